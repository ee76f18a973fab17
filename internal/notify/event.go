// Package notify tells a webhook what bake did: one JSON POST per release,
// promotion or rollback, delivered in order in the background so that a slow
// or broken receiver never slows down, blocks or fails the operation itself.
package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"time"
)

// Event types, sent as the event's "type" field and the X-Bake-Event header.
const (
	ReleaseRecorded    = "release.recorded"
	ReleaseFailed      = "release.failed"
	PromotionSucceeded = "promotion.succeeded"
	PromotionFailed    = "promotion.failed"
	RollbackSucceeded  = "rollback.succeeded"
	RollbackFailed     = "rollback.failed"
	RollbackAutomatic  = "rollback.automatic"
)

// EnvURL names the environment variable that overrides notify.webhook in bake.yaml.
const EnvURL = "BAKE_WEBHOOK_URL"

// EnvSecret names the environment variable holding the key events are signed with.
const EnvSecret = "BAKE_WEBHOOK_SECRET"

// Event is one thing bake did, as the webhook receives it.
type Event struct {
	ID        string    `json:"id"` // unique per event; the X-Bake-Delivery header, the same on every retry
	Type      string    `json:"type"`
	Project   string    `json:"project"`
	Image     string    `json:"image"`
	Version   string    `json:"version"`
	Digest    string    `json:"digest"`
	Env       string    `json:"env,omitempty"`
	Previous  string    `json:"previous,omitempty"` // the version this one replaced
	Reason    string    `json:"reason,omitempty"`
	By        string    `json:"by"`
	Operation string    `json:"operation"` // bake's operation id
	At        time.Time `json:"at"`        // UTC
}

// URL returns the webhook URL to use: $BAKE_WEBHOOK_URL when it is set and
// not empty, otherwise configured (notify.webhook from bake.yaml).
func URL(configured string) string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return configured
}

// Signature returns the X-Bake-Signature value: "sha256=" and the hex
// HMAC-SHA256, keyed with secret, of timestamp (X-Bake-Timestamp, unix
// seconds), ".", the delivery id (X-Bake-Delivery), "." and body. Signing the
// timestamp and id with the body lets a receiver refuse an old or repeated
// delivery that someone recorded and sends again: neither can be changed
// without breaking the signature.
func Signature(secret, timestamp, delivery string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "." + delivery + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails: crypto/rand crashes the program rather than return an error
	return hex.EncodeToString(b)
}

// describe names an event in a warning: `release.failed for web@1.4.0 in "prod" (delivery 3f…)`.
func describe(e Event) string {
	s := e.Type
	if s == "" {
		s = "event"
	}
	if e.Image != "" {
		s += " for " + e.Image
		if e.Version != "" {
			s += "@" + e.Version
		}
	}
	if e.Env != "" {
		s += fmt.Sprintf(" in %q", e.Env)
	}
	return s + " (delivery " + e.ID + ")"
}
