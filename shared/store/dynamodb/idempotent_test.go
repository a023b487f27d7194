package dynamodb_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"payvand.dev/shared/store"
	"payvand.dev/shared/store/dynamodb"
)

// Every transaction carries its own ClientRequestToken, so a retry of one
// that did commit is not refused by its own conditions (moto ignores the
// token, so the request is checked here).
func TestTransactionsCarryAnIdempotencyToken(t *testing.T) {
	var mu sync.Mutex
	var tokens []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ ClientRequestToken string }
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		mu.Lock()
		tokens = append(tokens, body.ClientRequestToken)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-central-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""), BaseEndpoint: aws.String(srv.URL)}
	tb := dynamodb.New(cfg, nil).Table("t")
	for i := range 2 {
		it := store.KeyItem(store.Key{PK: "P", SK: string(rune('a' + i))})
		if err := tb.TransactWrite(context.Background(), store.PutOp(it, store.NotExists())); err != nil {
			t.Fatal(err)
		}
	}
	if len(tokens) != 2 || tokens[0] == "" || tokens[0] == tokens[1] {
		t.Fatalf("tokens %q", tokens)
	}
}
