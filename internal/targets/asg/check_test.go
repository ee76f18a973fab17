package asg_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// TestCheckAsksEC2 refuses, before anything is created, a target whose
// instance type the region does not offer and whose subnet and security
// group do not exist: bad input, one line each at its place in bake.yaml.
func TestCheckAsksEC2(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	a := f.env.Targets[image].ASG
	a.InstanceType, a.Subnets, a.SecurityGroups = "t3.mikro", []string{"subnet-0deadbeef"}, []string{"sg-0deadbeef"}
	place := func(line int, key string) config.Error {
		return config.Error{File: "bake.yaml", Line: line, Column: 9, Key: "environments[0].targets.web." + key, Kind: config.ErrInvalid}
	}
	a.At = map[string]config.Error{"instance_type": place(7, "instance_type"),
		"subnets[0]": place(8, "subnets[0]"), "security_groups[0]": place(9, "security_groups[0]")}
	rel := f.release("1.0.0")

	err := f.target.Check(t.Context(), f.request(rel))
	require.Error(t, err)
	assert.ErrorIs(t, err, config.ErrInvalid)
	assert.Equal(t, `bake.yaml:7:9: environments[0].targets.web.instance_type: us-east-1 does not offer instance type "t3.mikro"; did you mean "t3.micro"?
bake.yaml:8:9: environments[0].targets.web.subnets[0]: "subnet-0deadbeef" is no subnet in us-east-1
bake.yaml:9:9: environments[0].targets.web.security_groups[0]: "sg-0deadbeef" is no security group in us-east-1`, err.Error())

	_, _, err = f.execute(ledger.KindPromote, rel)
	require.ErrorIs(t, err, config.ErrInvalid)
	assert.Nil(t, f.group("1.0.0"), "nothing is created")
}
