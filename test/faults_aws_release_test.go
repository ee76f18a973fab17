package e2e

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultAWSEndpointRefusesRelease releases an AMI image with aws.endpoint
// on a port nothing listens on, with bake's own attempts: the release fails
// with the one line the promote path prints, naming the endpoint and what
// it did, after every attempt, not with the SDK's "context deadline
// exceeded" once the wait for the source AMI ran out.
func TestFaultAWSEndpointRefusesRelease(t *testing.T) {
	t.Parallel()
	p := newAWSProject(t)
	p.useSQLiteLedger()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	p.useEndpoint(refused)
	p.writeScript("echo 'web 1.0' > /etc/bake-release\n")

	res := bakeEnv(t, p.dir, p.env, "release", "web", "--version", "1.0.0")
	assert.Equal(t, 1, res.code, res.String())
	assertClearError(t, res, "AWS endpoint "+refused+" is unreachable (connection refused) after 8 attempts",
		"check the endpoint and the network")
	assert.NotContains(t, res.stderr, "deadline exceeded")
}
