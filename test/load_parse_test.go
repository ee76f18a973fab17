package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// heyOutput is the end of a summary of Debian's hey 0.1.4.
const heyOutput = `
Latency distribution:
  10% in 0.0010 secs
  99% in 0.1040 secs

Status code distribution:
  [200]	1890 responses
  [500]	12 responses
  [502]	2 responses

Error distribution:
  [3]	Post "http://127.0.0.1:18080/": EOF
  [1]	Post "http://127.0.0.1:18080/": dial tcp 127.0.0.1:18080: connect: connection refused
`

func TestParseHeySummary(t *testing.T) {
	t.Parallel()
	s := parseHeySummary(heyOutput)
	assert.Equal(t, map[int]int{200: 1890, 500: 12, 502: 2}, s.Codes)
	assert.Equal(t, 1908, s.Total())
	assert.Equal(t, 18, s.Failed())
	assert.Equal(t, 12, s.FromBadRelease())
	assert.Equal(t, 6, s.FromStepChanges(), "the 502 and the dropped requests")

	empty := parseHeySummary("Status code distribution:\n  [200]\t10 responses\n")
	assert.Equal(t, 10, empty.Total())
	assert.Zero(t, empty.Failed())
}
