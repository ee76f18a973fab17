package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/mototest"
)

// TestECRCreatesRepositoryOnFirstRelease releases to an Amazon ECR
// registry with create_repositories through the project's AWS
// configuration (aws.endpoint: a moto_server of the test's own). moto
// serves ECR's API but no registry, so what this proves is the API call:
// the first release creates PROJECT/IMAGE, the second finds it there and
// creates nothing; both then stop at the push-access check, because no
// registry answers at the ECR host here, with nothing recorded.
func TestECRCreatesRepositoryOnFirstRelease(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server is not on PATH (scripts/services.sh up installs it)")
	}
	srv, err := mototest.Start()
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	const host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
	p := newProject(t, projectOptions{Registry: "{address: " + host + ", create_repositories: true}"})
	cfg := strings.Replace(keepOneRelease(t, p), "images:\n", "aws: {region: us-east-1, endpoint: \""+srv.Endpoint+"\"}\nimages:\n", 1)
	writeFile(t, p.ConfigPath(), cfg)
	env := append(awsTestEnv(), "DOCKER_CONFIG="+t.TempDir(), "BAKE_REGISTRY_USER=", "BAKE_REGISTRY_PASSWORD=")
	repo := p.Name + "/svc"

	first := bakeEnv(t, p.Dir, env, "release", "svc", "--version", "1.0.0")
	assert.NotZero(t, first.code, first.String())
	assert.Contains(t, first.stderr, "created repository "+host+"/"+repo+"\n")
	assert.Contains(t, first.stderr, "aws: 1 API calls (ECR.CreateRepository 1)")
	second := bakeEnv(t, p.Dir, env, "release", "svc", "--version", "1.0.0")
	assert.NotZero(t, second.code, second.String())
	assert.NotContains(t, second.stderr, "created repository", "the repository exists: nothing is created")
	assert.Contains(t, second.stderr, "aws: 1 API calls (ECR.CreateRepository 1)")
	assert.Equal(t, 2, bakeEnv(t, p.Dir, env, "show", "svc@1.0.0").code, "nothing was recorded")

	ctx := context.Background()
	awsCfg, err := awsx.Load(ctx, awsx.Settings{Region: "us-east-1", Endpoint: srv.Endpoint, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
	})}, nil)
	require.NoError(t, err)
	out, err := ecr.NewFromConfig(awsCfg).DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{repo}})
	require.NoError(t, err)
	require.Len(t, out.Repositories, 1)
	assert.Equal(t, "123456789012", aws.ToString(out.Repositories[0].RegistryId))
}
