package targets

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInterruptedSaysByWhat(t *testing.T) {
	for cause, want := range map[string]string{
		"interrupt signal received":  "interrupted by Ctrl-C (SIGINT) before the replicas of app@1.2.0 were proven healthy",
		"terminated signal received": "interrupted by SIGTERM before the replicas of app@1.2.0 were proven healthy",
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errors.New(cause))
		err := Interrupted(ctx, "the replicas of app@1.2.0")
		assert.Equal(t, want, err.Error())
		assert.ErrorIs(t, err, ErrInterrupted)
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, ErrUnhealthy)
	}
}
