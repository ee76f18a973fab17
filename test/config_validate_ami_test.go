package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder/ami"
)

// TestConfigValidateAMIRecipe: `bake config validate` reads ami.yaml and
// asks moto about it. A good recipe validates; one with a mistyped
// instance type, a missing subnet and filters matching no image gets one
// line for each, at its place in ami.yaml, and exit 2.
func TestConfigValidateAMIRecipe(t *testing.T) {
	p := newAWSProject(t)
	p.writeScript("#!/bin/sh\ntrue\n")
	res := bakeEnv(t, p.dir, p.env, "config", "validate")
	require.Equal(t, 0, res.code, res.String())
	assert.Contains(t, res.stdout, "is valid")

	recipe := filepath.Join(p.dir, "templates", "web", ami.Template)
	writeFile(t, recipe, `source:
  filters: {name: "no-such-image-*"}
  owners: [amazon]
instance_type: t3.mikro
subnet: subnet-0deadbeef
`)
	res = bakeEnv(t, p.dir, p.env, "config", "validate")
	require.Equal(t, 2, res.code, res.String())
	var lines []string // the problems; other lines (a count of calls) are not asserted on
	for _, l := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		if strings.Contains(l, recipe) {
			lines = append(lines, l)
		}
	}
	want := []string{
		fmt.Sprintf("%s:1:1: source: no available image in us-east-1 owned by amazon matches name=no-such-image-*", recipe),
		fmt.Sprintf(`%s:4:16: instance_type: us-east-1 does not offer instance type "t3.mikro"; did you mean "t3.micro"?`, recipe),
		fmt.Sprintf(`%s:5:9: subnet: "subnet-0deadbeef" is no subnet in us-east-1`, recipe),
	}
	require.Len(t, lines, 3, res.String())
	for i, w := range want {
		assert.Contains(t, lines[i], w)
	}

	res = bakeEnv(t, p.dir, p.env, "config", "validate", "-o", "json")
	require.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stdout+res.stderr, `t3.mikro`)
}
