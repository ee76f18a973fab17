package engine

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Labels every resource bake creates carries, so `bake sweep` and the
// docker target can find them.
const (
	LabelOperation = "dev.bake.operation" // id of the bake run that created it
	LabelKind      = "dev.bake.kind"      // sandbox, replica, check
	LabelCreated   = "dev.bake.created"   // RFC 3339 time of creation
	LabelProject   = "dev.bake.project"
	LabelImage     = "dev.bake.image"
	LabelVersion   = "dev.bake.version"
	LabelEnv       = "dev.bake.env"
	LabelDigest    = "dev.bake.digest"
)

// Kinds of resource.
const (
	KindSandbox = "sandbox"
	KindReplica = "replica"
)

// NewOperationID returns a short random id naming one bake run.
func NewOperationID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Labels returns bake's labels for a resource of kind made by operation op,
// merged with extra.
func Labels(op, kind string, extra map[string]string) map[string]string {
	l := map[string]string{
		LabelOperation: op,
		LabelKind:      kind,
		LabelCreated:   time.Now().UTC().Format(time.RFC3339),
	}
	for k, v := range extra {
		l[k] = v
	}
	return l
}
