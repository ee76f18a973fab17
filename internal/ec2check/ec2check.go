// Package ec2check checks what a file says about EC2 against EC2 itself,
// before anything is created: that the region offers an instance type
// (read once per run and region), that subnets and security groups exist,
// and that a source image is available. Every mistake is reported at its
// place in its file, all of them at once, as bad input.
package ec2check

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/bakehq/bake/internal/yamlerr"
)

// API is the part of EC2 the checks read.
type API interface {
	ec2.DescribeInstanceTypeOfferingsAPIClient
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeSecurityGroupsAPIClient
	ec2.DescribeImagesAPIClient
}

// Ref is one value a file gives, with its place: At has the file, line,
// column, key path and the sentinel (Kind) problems with it wrap.
type Ref struct {
	At    yamlerr.Error
	Value string
}

// Source asks for a source image: one AMI by id, or the most recent
// available image that matches Filters and is owned by one of Owners.
type Source struct {
	At      yamlerr.Error
	AMI     string
	Filters map[string][]string
	Owners  []string
}

// Request is everything to check in one go.
type Request struct {
	InstanceTypes  []Ref
	Subnets        []Ref
	SecurityGroups []Ref
	Source         *Source
}

// Checker checks requests against one region's EC2. It reads the instance
// types the region offers once, on first need, and keeps them.
type Checker struct {
	api    API
	region string

	once      sync.Once
	offerings []string
	offerErr  error
}

// New returns a Checker of region's EC2.
func New(api API, region string) *Checker {
	return &Checker{api: api, region: region}
}

// Check checks every value of req and returns the source image it
// resolved (when req asks for one). Its error is either every problem
// found, one line each, in file order (each wraps its Ref's Kind: bad
// input), or why EC2 could not be asked.
func (c *Checker) Check(ctx context.Context, req Request) (types.Image, error) {
	var problems yamlerr.List[*yamlerr.Error]
	add := func(at yamlerr.Error, format string, args ...any) {
		e := at
		e.Msg = fmt.Sprintf(format, args...)
		problems = append(problems, &e)
	}
	for _, r := range req.InstanceTypes {
		if err := c.instanceType(ctx, r, add); err != nil {
			return types.Image{}, err
		}
	}
	if err := c.subnets(ctx, req.Subnets, add); err != nil {
		return types.Image{}, err
	}
	if err := c.securityGroups(ctx, req.SecurityGroups, add); err != nil {
		return types.Image{}, err
	}
	var image types.Image
	if req.Source != nil {
		var err error
		if image, err = c.source(ctx, *req.Source, add); err != nil {
			return types.Image{}, err
		}
	}
	// Files first, then places: List.Err sorts by place alone.
	if len(problems) > 1 {
		sort.SliceStable(problems, func(i, j int) bool {
			a, b := problems[i], problems[j]
			if a.File != b.File {
				return a.File < b.File
			}
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Column < b.Column
		})
		return image, problems
	}
	return image, problems.Err()
}

// adder records one problem at a place.
type adder func(at yamlerr.Error, format string, args ...any)
