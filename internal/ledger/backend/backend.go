// Package backend opens the ledger a location names: a dynamodb:// URL is
// a DynamoDB table (ledger/dynamodb), anything else a SQLite file
// (ledger/sqlite). Every ledger it opens signs the releases put into it
// and keeps secret values out of what it records, whoever the caller is.
package backend

import (
	"cmp"
	"context"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/dynamodb"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

// Options say where the ledger is and what guards what it records.
type Options struct {
	// Location is a SQLite file's path or a dynamodb://TABLE URL.
	Location string
	// Region and Endpoint are the DynamoDB table's when its URL leaves them out.
	Region, Endpoint string
	// Create makes the ledger (its file and directory, or its table) where
	// none exists; without it, no ledger is a ledger.NoLedgerError.
	Create bool
	// Sealer returns the key releases are signed with (nil: unsigned),
	// asked when the first release is put.
	Sealer func() (ledger.Sealer, error)
	// Redactor replaces secret values; nil when there are none.
	Redactor ledger.Redactor
	// Calls counts a DynamoDB ledger's API calls; nil counts nothing.
	Calls *awsx.Calls
}

// Open opens the ledger at o.Location: releases put into it are redacted,
// then signed, so the signature covers exactly what the ledger holds.
func Open(ctx context.Context, o Options) (ledger.Store, error) {
	var (
		s   ledger.Store
		err error
	)
	if !dynamodb.IsURL(o.Location) {
		open := sqlite.OpenExisting
		if o.Create {
			open = sqlite.Open
		}
		s, err = open(ctx, o.Location)
	} else {
		loc, perr := dynamodb.ParseURL(o.Location)
		if perr != nil {
			return nil, perr
		}
		loc.Region = cmp.Or(loc.Region, o.Region)
		loc.Endpoint = cmp.Or(loc.Endpoint, o.Endpoint)
		s, err = dynamodb.OpenCounting(ctx, loc, o.Create, o.Calls)
	}
	if err != nil {
		return nil, err
	}
	return ledger.Redacting(ledger.Signing(s, o.Sealer), o.Redactor), nil
}
