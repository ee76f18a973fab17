package e2e

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestKubernetesWatchRollsBack: a release whose container starts
// restarting after the switch (kwok crash-loops a running pod once it is
// labelled so) fails the health watch; bake points the Service back at
// the previous release by itself (kept as it was until the watch ended),
// deletes the failed release's Deployment and records both, as it does
// for docker targets.
func TestKubernetesWatchRollsBack(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{})
	v1 := p.release("1.0.0")
	p.release("1.1.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	p.Target["dev"] = "watch: 40s"
	p.writeConfig()

	var victim string
	code, out := runActing(t, p.Dir, regexp.MustCompile(`^switched: Service .* selects svc@1\.1\.0$`).MatchString,
		func(*os.Process) string {
			pods, err := p.kube.CoreV1().Pods(p.Namespaces["dev"]).List(context.Background(), metav1.ListOptions{
				LabelSelector: kube.ServiceSelector(p.Name, "dev", kubeImage, "1.1.0").String()})
			require.NoError(t, err)
			require.NotEmpty(t, pods.Items)
			victim = pods.Items[0].Name
			_, err = p.kube.CoreV1().Pods(p.Namespaces["dev"]).Patch(context.Background(), victim, types.MergePatchType,
				[]byte(`{"metadata":{"labels":{"bake-test/fate":"crashloop"}}}`), metav1.PatchOptions{})
			require.NoError(t, err)
			return "--- pod " + victim + " crash-loops from now on"
		}, "promote", "svc@1.1.0", "--to", "dev")
	t.Log(out)
	require.Equal(t, 1, code)
	assert.Contains(t, out, `svc@1.1.0 failed its health watch in "dev"`)
	assert.Contains(t, out, "container app of pod "+victim+" restarted")
	assert.Contains(t, out, "rolled back automatically to 1.0.0")
	assert.Regexp(t, `(?m)^kubernetes: \d+ API calls \(.*\)$`, out)

	p.assertSelects("dev", "1.0.0")
	p.assertRuns("dev", v1, 2)
	assert.Equal(t, []string{"svc-v1-0-0"}, p.deployments("dev"), "the failed release's Deployment is deleted")
	deps := p.history("dev").Deployments
	require.GreaterOrEqual(t, len(deps), 3)
	assert.Equal(t, "auto-rollback", deps[0].Kind)
	assert.Equal(t, "1.0.0", deps[0].Version)
	assert.Equal(t, "1.1.0", deps[0].Previous)
	assert.Equal(t, "succeeded", deps[0].Outcome)
	assert.Contains(t, deps[0].Reason, "failed its health watch")
	assert.Equal(t, "promote", deps[1].Kind)
	assert.Equal(t, "1.1.0", deps[1].Version)
	p.mustBake("status", "--check")
}
