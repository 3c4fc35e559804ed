package ui

import (
	"context"
	"errors"
	"sync"

	"github.com/photon-station/photon-station/provisioning"
	"github.com/photon-station/photon-station/ui/lang"
)

// StationRunner is the part of *provisioning.Station the bench drives.
type StationRunner interface {
	Start(ctx context.Context) error
	Stop()
	Retry(slot string) error
	Claim(slot string) error
	Subscribe() (<-chan provisioning.Event, func())
}

// StationBench adapts a station built per profile to BenchControl and one
// event stream for Deps.Events: the engine binds a profile into its
// station, while the technician picks the profile on the bench. It holds no
// protocol logic, only the switch between stations.
type StationBench struct {
	// NewStation builds the station for a profile (its pipeline, ports
	// and channels). It is called on Start from a non-UI goroutine.
	NewStation func(ctx context.Context, profile string) (StationRunner, error)

	once   sync.Once
	events chan provisioning.Event

	mu  sync.Mutex
	cur StationRunner
	// unsub ends cur's subscription once cur has stopped: its forwarder
	// passes on what is still queued, then ends.
	unsub func()
	// stopping is closed when the last Stop's station has really stopped
	// (Stop may give up waiting first); a new Start waits for it, so two
	// stations never hold the same ports.
	stopping chan struct{}
	// starting is closed when the Start in flight has finished: a Stop
	// (closing the window) waits for it, so a station starting just then
	// is stopped too instead of running on after the journal closed.
	starting chan struct{}
}

func (s *StationBench) init() {
	s.once.Do(func() { s.events = make(chan provisioning.Event, 256) })
}

// Events is the stream of every station's events, for Deps.Events.
func (s *StationBench) Events() <-chan provisioning.Event {
	s.init()
	return s.events
}

// Start builds the profile's station, forwards its events and starts it.
func (s *StationBench) Start(ctx context.Context, profile string) error {
	s.init()
	if s.NewStation == nil {
		return errors.New(lang.L("No bench is wired in this build."))
	}
	startDone := make(chan struct{})
	defer close(startDone)
	s.mu.Lock()
	stopping := s.stopping
	s.starting = startDone
	s.mu.Unlock()
	if stopping != nil {
		select {
		case <-stopping:
		case <-ctx.Done():
			return errors.New(lang.L("The devices of the last run are still being stopped; try again in a moment."))
		}
	}
	st, err := s.NewStation(ctx, profile)
	if err != nil {
		return err
	}
	ch, unsub := st.Subscribe()
	go s.forward(ctx, ch, unsub)
	if err := st.Start(ctx); err != nil {
		unsub()
		return err
	}
	s.mu.Lock()
	s.cur, s.unsub = st, unsub
	s.mu.Unlock()
	return nil
}

// forward passes a station's events on until its subscription ends (Stop,
// after the station stopped: its last results still come) or ctx ends.
func (s *StationBench) forward(ctx context.Context, ch <-chan provisioning.Event, unsub func()) {
	for e := range ch {
		select {
		case s.events <- e:
		case <-ctx.Done():
			unsub()
			for range ch { // nobody reads s.events any more
			}
			return
		}
	}
}

// Stop stops the running station; its last events still arrive. It
// returns when the station has stopped or ctx ends.
func (s *StationBench) Stop(ctx context.Context) error {
	s.mu.Lock()
	starting := s.starting
	s.mu.Unlock()
	if starting != nil {
		select {
		case <-starting:
		case <-ctx.Done():
			return errors.New(lang.L("The devices did not stop in time; they are still being stopped."))
		}
	}
	s.mu.Lock()
	st, unsub := s.cur, s.unsub
	s.mu.Unlock()
	if st == nil {
		return nil
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.stopping = done
	s.mu.Unlock()
	go func() { st.Stop(); unsub(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New(lang.L("The devices did not stop in time; they are still being stopped."))
	}
}

// Retry runs a slot again.
func (s *StationBench) Retry(ctx context.Context, slot string) error {
	s.mu.Lock()
	st := s.cur
	s.mu.Unlock()
	if st == nil {
		return errors.New(lang.L("Start the bench first."))
	}
	return st.Retry(slot)
}

// Claim claims a slot's already-provisioned Photon through the cloud.
func (s *StationBench) Claim(ctx context.Context, slot string) error {
	s.mu.Lock()
	st := s.cur
	s.mu.Unlock()
	if st == nil {
		return errors.New(lang.L("Start the bench first."))
	}
	return st.Claim(slot)
}

var _ StationRunner = (*provisioning.Station)(nil)
var _ ProfileLibrary = (*provisioning.ProfileStore)(nil)
var _ JournalSource = (*provisioning.Journal)(nil)
