// Package targets is the contract between bake's deployment engine and the
// places releases run, and the registry of target types.
//
// A target type (docker, asg) implements Target: deploy a release with the
// environment's strategy, retire the release it replaced, watch it after
// the switch, plan a deployment without changing anything, and observe
// what runs compared with the record (for status and drift). It may also
// implement Checker, Pointer and Recoverer; a Router answers those for
// every type alike. Each type lives in its own package under targets/ and
// registers itself by name; nothing outside targets/ and config/ names a
// target type.
//
// # Adding a target type
//
// First, accept the type in bake.yaml: its name and settings in config
// (config.Target), with validation. Then write package targets/NAME with a
// type that implements Target (and Checker, Pointer and Recoverer where the
// type can) and register it in the package's init:
//
//	func init() {
//		targets.Register("NAME", func(ctx context.Context, d targets.Deps) (targets.Target, error) {
//			// build the target from d's clients
//		})
//	}
//
// A type that needs a client Deps does not offer yet adds it to Deps (the
// command line's factory builds each one lazily). Last, add one line to
// internal/cli/targets.go:
//
//	_ "github.com/bakehq/bake/internal/targets/NAME"
//
// Status, drift, plan, promote, rollback and recover then work on the new
// type with no other change: the command line asks the Router, which asks
// the registered type.
package targets
