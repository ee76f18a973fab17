package frontdoor

import (
	"encoding/json"
	"os"
	"slices"
)

// A door's access log index remembers places in its access log that bake
// read up to, each with a time no line before it exceeds, so that a bake
// asking for the requests since some time starts reading just before it
// instead of at the beginning, in this process or another one.
const (
	accessIndexFileName = "access.index.json"
	// maxCheckpoints bounds the index.
	maxCheckpoints = 64
)

// checkpoint is a place in an access log: no line before Pos has a time
// later than Before.
type checkpoint struct {
	Pos    logPosition `json:"pos"`
	Before int64       `json:"before"`
}

// readIndex returns d's checkpoints, oldest first; none if it has no
// readable index.
func readIndex(d door) []checkpoint {
	data, err := os.ReadFile(d.path(accessIndexFileName))
	if err != nil {
		return nil
	}
	var cps []checkpoint
	if json.Unmarshal(data, &cps) != nil {
		return nil
	}
	return cps
}

// startFor returns where to start reading d's access log for the lines at
// or after since: the latest checkpoint every line before which is earlier
// than since, else the beginning.
func startFor(d door, since int64) checkpoint {
	var best checkpoint
	for _, cp := range readIndex(d) {
		if cp.Before < since && cp.Before >= best.Before {
			best = cp
		}
	}
	return best
}

// remember adds cp to d's index. Losing a checkpoint to another bake
// writing the index at the same time costs only a longer read.
func remember(d door, cp checkpoint) {
	if cp.Pos == (logPosition{}) {
		return
	}
	cps := slices.DeleteFunc(readIndex(d), func(c checkpoint) bool { return c.Pos == cp.Pos })
	cps = append(cps, cp)
	slices.SortStableFunc(cps, func(a, b checkpoint) int {
		switch {
		case a.Before < b.Before:
			return -1
		case a.Before > b.Before:
			return 1
		}
		return 0
	})
	// Over the bound, drop the checkpoint closest in time to the one
	// before it, so that those left stay spread over the log.
	for len(cps) > maxCheckpoints {
		drop := 1
		for i := 2; i < len(cps)-1; i++ {
			if cps[i].Before-cps[i-1].Before < cps[drop].Before-cps[drop-1].Before {
				drop = i
			}
		}
		cps = slices.Delete(cps, drop, drop+1)
	}
	_ = writeJSON(d.path(accessIndexFileName), cps)
}
