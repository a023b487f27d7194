package dynamodb

import (
	"context"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"payvand.dev/shared/store"
)

// countAttempts adds the request's store.Stats for every attempt of a
// DynamoDB call, not only for the calls that succeed: each retry of the
// SDK's retryer (throttling, a 5xx, a transaction conflict) is a round trip
// of its own, and a write whose condition fails was still sent (and
// billed). It runs after the retry middleware, so once per attempt, and
// reads what the attempt got back: the items a read returned, or the items
// a write sent.
func countAttempts(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("PayvandWriteItems",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if n := itemsSent(in.Parameters); n > 0 {
				ctx = middleware.WithStackValue(ctx, itemsSentKey{}, n)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After); err != nil {
		return err
	}
	attempt := middleware.FinalizeMiddlewareFunc("PayvandCountAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			countAttempt(ctx, out.Result)
			return out, md, err
		})
	if _, ok := stack.Finalize.Get("Retry"); ok {
		return stack.Finalize.Insert(attempt, "Retry", middleware.After)
	}
	return stack.Finalize.Add(attempt, middleware.After)
}

type itemsSentKey struct{}

// itemsSent is how many items a write call writes (conditions checks of a
// transaction included, as its capacity is).
func itemsSent(params any) int {
	switch p := params.(type) {
	case *ddb.PutItemInput, *ddb.UpdateItemInput, *ddb.DeleteItemInput:
		return 1
	case *ddb.TransactWriteItemsInput:
		return len(p.TransactItems)
	case *ddb.BatchWriteItemInput:
		n := 0
		for _, reqs := range p.RequestItems {
			n += len(reqs)
		}
		return n
	}
	return 0
}

// countAttempt records one attempt of the call in ctx; result is its
// output, nil when the attempt failed.
func countAttempt(ctx context.Context, result any) {
	switch awsmiddleware.GetOperationName(ctx) {
	case "GetItem", "Query", "Scan", "BatchGetItem":
		n := 0
		switch o := result.(type) {
		case *ddb.GetItemOutput:
			if o.Item != nil {
				n = 1
			}
		case *ddb.QueryOutput:
			n = int(o.ScannedCount)
		case *ddb.ScanOutput:
			n = int(o.ScannedCount)
		case *ddb.BatchGetItemOutput:
			for _, items := range o.Responses {
				n += len(items)
			}
		}
		store.CountRead(ctx, n)
	case "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
		n, _ := middleware.GetStackValue(ctx, itemsSentKey{}).(int)
		store.CountWrite(ctx, n)
	}
}
