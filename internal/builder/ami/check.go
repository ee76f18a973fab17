package ami

import (
	"context"
	"path/filepath"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
)

// Check reads the image's ami.yaml as a build would (rendered for
// s.Version), and with clients (nil when bake runs without AWS) asks EC2
// about its instance type, subnet and source and about the image's
// sandbox settings. It creates nothing: `bake config validate` runs it.
func Check(ctx context.Context, s builder.Spec, clients *awsx.Clients) error {
	file := filepath.Join(s.Image.Template, Template)
	rendered, err := builder.Render(s, Template)
	if err != nil {
		return err
	}
	rec, err := parseRecipe(file, s.Image.Context, rendered)
	if err != nil || clients == nil {
		return err
	}
	_, err = clients.EC2Check.Check(ctx, ec2Request(file, rec, s.Image))
	return err
}
