package callcount

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCounter(t *testing.T) {
	var c Counter
	assert.Equal(t, "", c.Summary())
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Add("get deployments"); c.Add("patch services") })
	}
	wg.Wait()
	c.Add("get deployments")
	assert.Equal(t, 21, c.Total())
	assert.Equal(t, map[string]int{"get deployments": 11, "patch services": 10}, c.ByOperation())
	assert.Equal(t, "21 API calls (get deployments 11, patch services 10)", c.Summary())
}
