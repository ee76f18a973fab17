package ledger

import "time"

// EnvLockKey is the lock that serialises changes to env: promotions,
// rollbacks, recovery and gc take it before they touch what runs there.
func EnvLockKey(env string) string { return "env/" + env }

// EnvLockTTL bounds how long a crashed bake can keep an environment locked.
const EnvLockTTL = 15 * time.Minute
