package provisioning

import (
	"testing"
	"time"
)

// Ending a subscription still delivers the events queued before it (the
// last results of a station that just stopped), then closes the channel;
// events after it are not queued.
func TestSubscriptionEndDeliversWhatWasQueued(t *testing.T) {
	st, err := New(Config{Pipeline: &Pipeline{}, Ports: PortWatcherFunc(nil), Open: SerialOpener(serialTimeouts)})
	if err != nil {
		t.Fatal(err)
	}
	events, unsub := st.Subscribe()
	for _, slot := range []string{"ttyACM0", "ttyACM1", "ttyACM2"} {
		st.broadcast(Event{Slot: slot, Kind: EventResult, Outcome: OutcomePass})
	}
	unsub()
	st.broadcast(Event{Slot: "ttyACM3", Kind: EventResult, Outcome: OutcomePass})
	var got []string
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				if len(got) != 3 {
					t.Errorf("delivered %v, want ttyACM0-2: queued results were dropped or a late one came", got)
				}
				return
			}
			got = append(got, e.Slot)
		case <-timeout:
			t.Fatalf("the channel did not close after the subscription ended (got %v)", got)
		}
	}
}
