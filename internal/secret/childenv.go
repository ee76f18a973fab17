package secret

import (
	"slices"
	"strings"
)

// Withheld are the variables of bake's environment that no program bake
// runs is given: bake's own secrets and the cloud credentials only bake's
// AWS calls use. A child (git, Caddy, mmdebstrap, Packer) that prints its
// environment, or is subverted by what it reads (a hostile repository's git
// config, a template's provisioner), cannot leak what it never had.
var Withheld = []string{
	"BAKE_SIGNING_KEY", "BAKE_SIGNING_KEY_FILE",
	"BAKE_REGISTRY_USER", "BAKE_REGISTRY_PASSWORD",
	"BAKE_WEBHOOK_SECRET",
}

// AWSCredentials are the variables that carry AWS credentials themselves
// (a profile or a credentials file is named, not carried). Only a Packer
// build, whose template may create EC2 resources, is given them.
var AWSCredentials = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
}

// ChildEnv is the environment of a program bake runs: environ (os.Environ())
// without the BAKE_SECRET_* variables, the Withheld ones and, unless keep
// names them, the AWSCredentials. A build secret reaches a build only the
// way its builder declares it (a secret mount, a Packer var-file).
func ChildEnv(environ []string, keep ...string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, EnvPrefix), slices.Contains(Withheld, name):
		case slices.Contains(AWSCredentials, name) && !slices.Contains(keep, name):
		default:
			out = append(out, kv)
		}
	}
	return out
}
