// Package callcount counts API calls by operation, for the line every run
// prints ("aws: 12 API calls (...)") and for the benchmarks.
package callcount

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Counter counts calls by operation name; its zero value is ready to use
// and it is safe for concurrent use.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// Add counts one call of op.
func (c *Counter) Add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
}

// Total is the number of calls counted.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for _, v := range c.n {
		t += v
	}
	return t
}

// ByOperation returns a copy of the counts by operation.
func (c *Counter) ByOperation() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// Summary is "N API calls (op a, op b)", operations sorted, or "" when
// nothing was counted.
func (c *Counter) Summary() string {
	by := c.ByOperation()
	if len(by) == 0 {
		return ""
	}
	ops := make([]string, 0, len(by))
	total := 0
	for op, n := range by {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
		total += n
	}
	sort.Strings(ops)
	return fmt.Sprintf("%d API calls (%s)", total, strings.Join(ops, ", "))
}
