package ami

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
)

func TestReadReport(t *testing.T) {
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	tests := map[string]struct {
		tags    []types.Tag
		console string
		want    provisionReport
	}{
		"nothing yet":   {console: "Linux version 5.10\n", want: provisionReport{}},
		"ok by tag":     {tags: []types.Tag{tag(TagProvision, "ok")}, want: provisionReport{Status: "ok"}},
		"ok on console": {console: "boot\r\n[ 9.1] cloud-init[1]: bake-provision: ok\r\n", want: provisionReport{Status: "ok"}},
		"failed by tag": {tags: []types.Tag{tag(TagProvision, "failed"), tag(TagProvisionStep, "a.sh exit 3")}, want: provisionReport{Status: "failed", Step: "a.sh exit 3"}},
		"failed on console, tail between kernel lines": {
			console: "bake-provision: failed: old.sh exit 1\nbake-provision: end\nbake-provision: failed: a.sh exit 3\nbake-provision: | one\n[ 3.2] kernel\nbake-provision: | two\nbake-provision: end\nafter\n",
			want:    provisionReport{Status: "failed", Step: "a.sh exit 3", Tail: []string{"one", "two"}},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tt.want, readReport(tt.tags, tt.console))
		})
	}
}
