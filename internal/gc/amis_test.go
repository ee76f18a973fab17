package gc

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

func TestAMIs(t *testing.T) {
	withAMIs := func(version string, amis map[string]string) ledger.Release {
		r := rel("svc", version)
		r.AMIs = amis
		return r
	}
	three := func(id string) map[string]string {
		return map[string]string{"us-east-1": id + "e", "us-west-2": id + "w", "eu-west-1": id + "u"}
	}
	rels := []ledger.Release{
		withAMIs("1.5.0", three("ami-5")),
		withAMIs("1.4.0", three("ami-4")),
		withAMIs("1.3.0", three("ami-3")),
		withAMIs("1.2.0", map[string]string{"us-east-1": "ami-2e"}),
		withAMIs("1.1.0", three("ami-1")),
		rel("svc", "1.0.0"), // a Docker release: no AMIs
	}
	// 1.3.0 shares its us-west-2 AMI with 1.5.0, which is kept.
	rels[2].AMIs["us-west-2"] = "ami-5w"
	h := svcHistory(rels)
	p := &config.Project{Name: "web", Registry: config.Registry{Address: "127.0.0.1:5000"}, Environments: envs(1)}
	cat := newCatalog(p, []History{h})
	prot := &Protection{digests: map[string]bool{}, releases: map[string]bool{"svc@1.5.0": true}}

	tests := []struct {
		name       string
		removed    map[string]bool
		referenced []Referenced
		want       []string // releases whose AMIs go
		kept       map[string]string
	}{
		{"unkept releases with AMIs go", nil, nil, []string{"svc@1.4.0", "svc@1.2.0", "svc@1.1.0"},
			map[string]string{"svc@1.3.0": "AMI us-west-2 ami-5w is kept with svc@1.5.0"}},
		{"one already removed is not listed again", map[string]bool{"svc@1.4.0": true}, nil, []string{"svc@1.2.0", "svc@1.1.0"},
			map[string]string{"svc@1.3.0": "AMI us-west-2 ami-5w is kept with svc@1.5.0"}},
		{"an AMI a launch template uses keeps its release", nil,
			[]Referenced{{AMI: AMIRef{Region: "us-east-1", ID: "ami-1e"}, By: "launch template web-prod-svc-v1.1.0 version 1 of Auto Scaling group web-prod-svc-v1.1.0"}},
			[]string{"svc@1.4.0", "svc@1.2.0"},
			map[string]string{
				"svc@1.3.0": "AMI us-west-2 ami-5w is kept with svc@1.5.0",
				"svc@1.1.0": "AMI us-east-1 ami-1e is in launch template web-prod-svc-v1.1.0 version 1 of Auto Scaling group web-prod-svc-v1.1.0",
			}},
		{"the same AMI id in another region is another AMI", nil,
			[]Referenced{{AMI: AMIRef{Region: "us-west-2", ID: "ami-2e"}, By: "a group"}},
			[]string{"svc@1.4.0", "svc@1.2.0", "svc@1.1.0"},
			map[string]string{"svc@1.3.0": "AMI us-west-2 ami-5w is kept with svc@1.5.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, kept := cat.amis(prot, tt.removed, tt.referenced)
			var got []string
			for _, it := range items {
				assert.Equal(t, AMI, it.Kind)
				assert.Equal(t, amiWords(it.AMIs), it.Name)
				got = append(got, it.Releases...)
			}
			assert.Equal(t, tt.want, got)
			gotKept := map[string]string{}
			for _, k := range kept {
				gotKept[k.Image+"@"+k.Version] = k.Reasons[0]
			}
			assert.Equal(t, tt.kept, gotKept)
		})
	}
	items, _ := cat.amis(prot, nil, nil)
	assert.Equal(t, "eu-west-1 ami-4u, us-east-1 ami-4e, us-west-2 ami-4w", items[0].Name, "AMIs in words, by region")
}
