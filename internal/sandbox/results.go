package sandbox

import (
	"io"

	"github.com/bakehq/bake/internal/ledger"
)

// Passed reports whether every check passed.
func Passed(results []ledger.CheckResult) bool {
	for _, r := range results {
		if !r.Passed {
			return false
		}
	}
	return true
}

// results is what one validation records, in a container or on EC2 alike:
// each check's result in the order it ran, also written to progress (when
// not nil) as it is recorded.
type results struct {
	progress io.Writer
	list     []ledger.CheckResult
}

func (r *results) record(res ledger.CheckResult) {
	r.list = append(r.list, res)
	if r.progress != nil {
		mark := "ok  "
		if !res.Passed {
			mark = "FAIL"
		}
		io.WriteString(r.progress, "  "+mark+" "+res.Name+": "+res.Detail+"\n")
	}
}
