package provisioning

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The supervisor's lock PIN is kept only as a salted, slow hash: PBKDF2
// with SHA-256 (the standard library's crypto/pbkdf2), a random 16-byte
// salt per lock and pinIterations rounds. The PIN itself is never stored,
// shown, logged or put in an error.
const (
	pinIterations = 300_000
	pinSaltBytes  = 16
	pinKeyBytes   = 32
	pinScheme     = "pbkdf2-sha256"
)

// ErrBadPINHash says a stored PIN hash cannot be read (edited by hand, or
// from another version); the lock it guards cannot be opened with a PIN.
var ErrBadPINHash = errors.New("the stored lock PIN hash cannot be read")

// HashPIN returns pin's salted hash as "pbkdf2-sha256$rounds$salt$key"
// (base64 without padding). Two calls with the same PIN give different
// hashes: each has its own salt.
func HashPIN(pin string) (string, error) {
	salt := make([]byte, pinSaltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, pin, salt, pinIterations, pinKeyBytes)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return strings.Join([]string{pinScheme, strconv.Itoa(pinIterations), enc.EncodeToString(salt), enc.EncodeToString(key)}, "$"), nil
}

// CheckPIN tells whether pin is the PIN whose hash is stored. It compares
// in constant time; a hash it cannot read gives ErrBadPINHash.
func CheckPIN(stored, pin string) (bool, error) {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != pinScheme {
		return false, ErrBadPINHash
	}
	rounds, err := strconv.Atoi(parts[1])
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err != nil || err1 != nil || err2 != nil || rounds < 1 || len(salt) == 0 || len(want) == 0 {
		return false, ErrBadPINHash
	}
	got, err := pbkdf2.Key(sha256.New, pin, salt, rounds, len(want))
	if err != nil {
		return false, ErrBadPINHash
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Wrong PINs are limited: PINFreeTries may be wrong in a row, then each
// further wrong PIN makes the next try wait, pinFirstWait at first and
// twice as long each time, up to pinLongestWait. Guessing a 4-digit PIN
// then takes days instead of minutes.
const (
	PINFreeTries   = 5
	pinFirstWait   = 30 * time.Second
	pinLongestWait = 15 * time.Minute
)

// PINWait is how long the next try waits after wrong PINs in a row.
func PINWait(wrong int) time.Duration {
	if wrong < PINFreeTries {
		return 0
	}
	w := pinFirstWait
	for i := PINFreeTries; i < wrong && w < pinLongestWait; i++ {
		w *= 2
	}
	return min(w, pinLongestWait)
}
