package kubernetes_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// TestPodPatchReadinessProbe: a readiness probe of another kind than
// bake's httpGet in the target's pod patch replaces bake's, and the API
// server takes the Deployment (merged, it would have two handlers).
func TestPodPatchReadinessProbe(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, probe string }{
		{"exec", `{"exec":{"command":["/bin/ready"]},"periodSeconds":3}`},
		{"tcpSocket", `{"tcpSocket":{"port":8080},"periodSeconds":3}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
			f.tgt().Kubernetes.Pod = config.PodPatch(`{"spec":{"containers":[{"name":"app","readinessProbe":` + c.probe + `}]}}`)
			_, _, err := f.execute(ledger.KindPromote, f.release("1.0.0"))
			require.NoError(t, err)
			f.selects("1.0.0")
			p := f.deployment("web-v1-0-0").Spec.Template.Spec.Containers[0].ReadinessProbe
			require.NotNil(t, p)
			assert.Nil(t, p.HTTPGet, "bake's probe is gone")
			assert.EqualValues(t, 3, p.PeriodSeconds)
			if c.name == "exec" {
				assert.Equal(t, []string{"/bin/ready"}, p.Exec.Command)
			} else {
				assert.EqualValues(t, 8080, p.TCPSocket.Port.IntValue())
			}
		})
	}
}
