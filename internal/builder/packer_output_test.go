package builder

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The docker-* fixtures are real output of Packer 1.6.6's docker builder;
// the amazon-ebs-* ones are written by hand in the same format.
func TestParsePackerOutputFixtures(t *testing.T) {
	const (
		debianImage = "sha256:ca68750afb79536f8b11da73f9b84dfe3748eed6ad96bb196b324873b23287c8"
		oneImage    = "sha256:770bcf13bccb700bd1a4bbfeda49d75a333aabc3fc517cfdd6e702523e13e08d"
		twoImage    = "sha256:97cc3a5651a1d93d299a4932d59de6dde8aa7b2ddef42f54936d6e8fd2f06e8c"
		twoOneImage = "sha256:f11cb656d96ae1b9518384b3b59899084a82a5d031a050a043c9cc99c3a05172"
	)
	commit := func(build, id string) PackerArtifact {
		return PackerArtifact{Build: build, BuilderID: PackerDockerCommit, ID: id, String: "Imported Docker image: " + id}
	}
	tests := []struct {
		fixture     string
		artifacts   []PackerArtifact
		amis        map[string]string // of the first artifact
		errIs       error             // nil: the run reported no failure
		errContains []string
		uiLines     int
		uiContains  string
	}{
		{
			fixture:    "docker-success.txt",
			artifacts:  []PackerArtifact{commit("docker.debian", debianImage)},
			uiLines:    13,
			uiContains: "\n==> Builds finished. The artifacts of successful builds are:",
		},
		{
			fixture: "docker-two-builds-post-processor.txt",
			artifacts: []PackerArtifact{
				commit("docker.two", twoImage),
				{Build: "docker.two", BuilderID: "packer.post-processor.docker-tag", ID: "bake-packer-fixture:x",
					String: "Imported Docker image: bake-packer-fixture:x with tags bake-packer-fixture:x"},
				commit("docker.one", twoOneImage),
			},
			uiLines:    32,
			uiContains: "    docker.two (docker-tag): Repository: bake-packer-fixture:x",
		},
		{
			fixture: "docker-export.txt",
			artifacts: []PackerArtifact{{Build: "docker.x", BuilderID: PackerDockerExport, ID: "Container",
				String: "Exported Docker file: image, exported.tar", Files: []string{"image, exported.tar"}}},
			uiContains: "--> docker.x: Exported Docker file: image, exported.tar",
		},
		{
			fixture:     "docker-json-failed-provisioner.txt",
			errIs:       ErrPackerBuild,
			errContains: []string{`packer build "docker" failed: Script exited with non-zero exit status: 3.Allowed exit codes are: [0]`},
			uiContains:  "==> docker: Provisioning step had errors: Running the cleanup provisioner, if present...",
		},
		{
			fixture:     "docker-two-builds-one-failed.txt",
			artifacts:   []PackerArtifact{commit("docker.one", oneImage)},
			errIs:       ErrPackerBuild,
			errContains: []string{`packer build "docker.two" failed: Error committing container: exit status 1` + "\nStderr: Error response from daemon"},
		},
		{
			fixture:    "docker-interrupted.txt",
			errIs:      ErrPackerInterrupted,
			uiContains: "    docker.slow: starting, slowly",
		},
		{
			fixture:     "docker-undeclared-var.txt",
			errIs:       ErrTemplate,
			errContains: []string{"packer rejected the template: Error: Undefined -var variable", `To declare variable "nope", place`},
			uiLines:     1,
		},
		{
			fixture:     "docker-json-unknown-key.txt",
			errIs:       ErrTemplate,
			errContains: []string{`Failed to prepare build: "docker"`, `unknown configuration key: '"bogus"'`},
		},
		{
			fixture:     "docker-hcl-unsupported-argument.txt",
			errIs:       ErrTemplate,
			errContains: []string{"on a.pkr.hcl line 4:", `An argument named "bogus" is not expected here.`},
		},
		{
			fixture: "amazon-ebs-single-region.txt",
			artifacts: []PackerArtifact{{Build: "amazon-ebs", BuilderID: PackerAmazonEBS, ID: "us-east-1:ami-0123456789abcdef0",
				String: "AMIs were created:\nus-east-1: ami-0123456789abcdef0\n"}},
			amis:       map[string]string{"us-east-1": "ami-0123456789abcdef0"},
			uiContains: "    amazon-ebs: Setting up web, version 1.4.0",
		},
		{
			fixture: "amazon-ebs-multi-region.txt",
			artifacts: []PackerArtifact{{Build: "amazon-ebs.web", BuilderID: PackerAmazonEBS,
				ID:     "ap-southeast-2:ami-0ee55ff66aa77bb88,eu-west-1:ami-0aa11bb22cc33dd44,us-east-1:ami-0fedcba9876543210",
				String: "AMIs were created:\nap-southeast-2: ami-0ee55ff66aa77bb88\neu-west-1: ami-0aa11bb22cc33dd44\nus-east-1: ami-0fedcba9876543210\n"}},
			amis: map[string]string{
				"ap-southeast-2": "ami-0ee55ff66aa77bb88",
				"eu-west-1":      "ami-0aa11bb22cc33dd44",
				"us-east-1":      "ami-0fedcba9876543210",
			},
		},
		{
			fixture: "amazon-ebs-failed.txt",
			errIs:   ErrPackerBuild,
			errContains: []string{`packer build "amazon-ebs.web" failed: Error launching source instance: UnauthorizedOperation`,
				"operation.\n\tstatus code: 403, request id: 5c1b2a3d"},
		},
		{
			fixture:    "amazon-ebs-interrupted.txt",
			errIs:      ErrPackerInterrupted,
			uiContains: "==> amazon-ebs.web: Terminating the source AWS instance...",
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "packer", tt.fixture))
			require.NoError(t, err)
			defer f.Close()
			var ui []PackerUI
			res, err := ParsePackerOutput(f, func(u PackerUI) { ui = append(ui, u) })
			require.NoError(t, err)

			assert.Equal(t, tt.artifacts, res.Artifacts)
			if tt.amis != nil {
				assert.Equal(t, tt.amis, res.Artifacts[0].AMIs())
			}
			if tt.errIs == nil {
				assert.NoError(t, res.Err())
			} else {
				assert.ErrorIs(t, res.Err(), tt.errIs)
				for _, want := range tt.errContains {
					assert.Contains(t, res.Err().Error(), want)
				}
			}
			if tt.uiLines > 0 {
				assert.Len(t, ui, tt.uiLines)
			}
			if tt.uiContains != "" {
				assert.Contains(t, uiTexts(ui), tt.uiContains)
			}
			for _, u := range ui {
				assert.Contains(t, []string{"say", "message", "error"}, u.Kind, "every line of a fixture is machine-readable")
			}
		})
	}
}

func uiTexts(ui []PackerUI) []string {
	out := make([]string, len(ui))
	for i, u := range ui {
		out[i] = u.Text
	}
	return out
}

func TestParsePackerOutputEdgeCases(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		ui        []PackerUI
		artifacts []PackerArtifact
		errs      []PackerBuildError
	}{
		{
			name: "escaped commas, newlines and carriage returns",
			in:   `1,,ui,say,a%!(PACKER_COMMA) b\nc\r\nd` + "\n",
			ui:   []PackerUI{{Kind: "say", Text: "a, b\nc\r\nd"}},
		},
		{
			name: "an escaped comma is never a separator",
			in:   "1,,ui,message,%!(PACKER_COMMA)%!(PACKER_COMMA)\n",
			ui:   []PackerUI{{Kind: "message", Text: ",,"}},
		},
		{
			name: "a literal backslash-n cannot be told from an escaped newline",
			in:   `1,,ui,say,C:\new` + "\n",
			ui:   []PackerUI{{Kind: "say", Text: "C:\new"}},
		},
		{
			name: "half an escape is left alone",
			in:   "1,,ui,say,50%!(PACKER and \\x\n",
			ui:   []PackerUI{{Kind: "say", Text: "50%!(PACKER and \\x"}},
		},
		{
			name: "the last line needs no newline, CRLF line ends are accepted",
			in:   "1,,ui,say,first\r\n1,,ui,say,last",
			ui:   []PackerUI{{Kind: "say", Text: "first"}, {Kind: "say", Text: "last"}},
		},
		{
			name: "lines that are not machine-readable reach people as they are",
			in:   "panic: oops\n\nshort,line\nnot,a,number,line\n",
			ui:   []PackerUI{{Text: "panic: oops"}, {Text: "short,line"}, {Text: "not,a,number,line"}},
		},
		{
			name: "an artifact counts only once it ends",
			in: "1,b,artifact-count,2\n1,b,artifact,0,builder-id,x\n1,b,artifact,0,id,i0\n1,b,artifact,0,end\n" +
				"1,b,artifact,1,builder-id,y\n1,b,artifact,1,id,i1\n",
			artifacts: []PackerArtifact{{Build: "b", BuilderID: "x", ID: "i0"}},
		},
		{
			name: "artifacts of two builds interleave by index",
			in: "1,a,artifact,0,builder-id,x\n1,b,artifact,0,builder-id,y\n1,b,artifact,0,end\n" +
				"1,a,artifact,0,file,0,f%!(PACKER_COMMA)1\n1,a,artifact,0,file,1,f2\n1,a,artifact,0,end\n",
			artifacts: []PackerArtifact{{Build: "b", BuilderID: "y"}, {Build: "a", BuilderID: "x", Files: []string{"f,1", "f2"}}},
		},
		{
			name: "a nil artifact is no artifact",
			in:   "1,b,artifact,0,nil\n1,b,artifact,0,end\n",
		},
		{
			name: "malformed artifact and error lines are ignored",
			in:   "1,b,artifact\n1,b,artifact,x,id,1\n1,b,artifact,0\n1,b,error\n1,,ui\n1,,ui,say\n1,,version,1.6.6\n",
		},
		{
			name: "error lines keep the build and trim the message",
			in:   `1,docker.two,error,boom\n` + "\n",
			errs: []PackerBuildError{{Build: "docker.two", Message: "boom"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ui []PackerUI
			res, err := ParsePackerOutput(strings.NewReader(tt.in), func(u PackerUI) { ui = append(ui, u) })
			require.NoError(t, err)
			assert.Equal(t, tt.ui, ui)
			assert.Equal(t, tt.artifacts, res.Artifacts)
			assert.Equal(t, tt.errs, res.Errors)
		})
	}
}

func TestPackerArtifactAMIs(t *testing.T) {
	tests := []struct {
		name string
		a    PackerArtifact
		want map[string]string
	}{
		{"one region", PackerArtifact{BuilderID: PackerAmazonEBS, ID: "us-east-1:ami-1"}, map[string]string{"us-east-1": "ami-1"}},
		{"two regions", PackerArtifact{BuilderID: PackerAmazonEBS, ID: "us-east-1:ami-1,eu-west-1:ami-2"},
			map[string]string{"us-east-1": "ami-1", "eu-west-1": "ami-2"}},
		{"malformed pairs are skipped", PackerArtifact{BuilderID: PackerAmazonEBS, ID: ",us-east-1:,:ami-3,eu-west-1:ami-2,junk"},
			map[string]string{"eu-west-1": "ami-2"}},
		{"nothing usable", PackerArtifact{BuilderID: PackerAmazonEBS, ID: "junk"}, nil},
		{"another builder", PackerArtifact{BuilderID: PackerDockerCommit, ID: "sha256:abc"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.a.AMIs())
		})
	}
}

func TestPackerArtifactDockerImageID(t *testing.T) {
	assert.Equal(t, "sha256:abc", PackerArtifact{BuilderID: PackerDockerCommit, ID: "sha256:abc"}.DockerImageID())
	assert.Empty(t, PackerArtifact{BuilderID: PackerDockerExport, ID: "Container"}.DockerImageID())
	assert.Empty(t, PackerArtifact{BuilderID: "packer.post-processor.docker-tag", ID: "repo:tag"}.DockerImageID())
	assert.Empty(t, PackerArtifact{BuilderID: PackerAmazonEBS, ID: "us-east-1:ami-1"}.DockerImageID())
}

func TestPackerResultErrJoinsEveryFailedBuild(t *testing.T) {
	res := PackerResult{Errors: []PackerBuildError{{Build: "a", Message: "x"}, {Build: "b", Message: "y"}}, Interrupted: true}
	err := res.Err()
	assert.ErrorIs(t, err, ErrPackerBuild)
	assert.Equal(t, "packer build \"a\" failed: x\npacker build \"b\" failed: y", err.Error())
	var be *PackerBuildError
	require.True(t, errors.As(err, &be))
	assert.Equal(t, "a", be.Build)
}

func FuzzParsePackerOutput(f *testing.F) {
	fixtures, err := filepath.Glob(filepath.Join("testdata", "packer", "*.txt"))
	require.NoError(f, err)
	for _, path := range fixtures {
		b, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(string(b))
	}
	f.Add("1,b,artifact,0,file,99999999999,x\n1,b,artifact,-1,end\n1,,ui,error,%!(PACKER_COMMA\n")
	f.Fuzz(func(t *testing.T, in string) {
		res, err := ParsePackerOutput(strings.NewReader(in), func(PackerUI) {})
		require.NoError(t, err)
		_ = res.Err()
		for _, a := range res.Artifacts {
			_ = a.AMIs()
			_ = a.DockerImageID()
		}
	})
}
