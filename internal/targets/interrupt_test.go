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

func TestInterruptedWhileSaysByWhat(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupt signal received"))
	err := InterruptedWhile(ctx, "starting its replicas")
	assert.Equal(t, "interrupted by Ctrl-C (SIGINT) while starting its replicas", err.Error())
	assert.ErrorIs(t, err, ErrInterrupted)
	assert.ErrorIs(t, err, context.Canceled)
}
