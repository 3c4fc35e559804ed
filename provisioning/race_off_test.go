//go:build !race

package provisioning

// raceDetector tells tests they run under the race detector (slow, and
// with its own memory bookkeeping).
const raceDetector = false
