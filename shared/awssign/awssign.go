// Package awssign sends one signed JSON request to an AWS service. A few
// adapters use it instead of the service's SDK client when the client
// would add megabytes and package initialization to every cold start of
// a function that makes one or two kinds of call.
package awssign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Request describes one call.
type Request struct {
	Service  string            // signing name, e.g. "secretsmanager", "ses"
	Host     string            // e.g. "secretsmanager" for https://secretsmanager.<region>.amazonaws.com
	Method   string            // POST when empty
	Path     string            // "/" when empty
	Headers  map[string]string // e.g. X-Amz-Target
	Body     any               // marshalled as JSON
	Response any               // unmarshalled from a 2xx answer
}

// Error is a non-2xx answer.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Do signs and sends the request with the credentials, region and
// endpoint of cfg.
func Do(ctx context.Context, cfg aws.Config, r Request) error {
	// No body at all without one: REST APIs read a GET's or DELETE's
	// "null" as a malformed request.
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = json.Marshal(r.Body); err != nil {
			return err
		}
	}
	endpoint := "https://" + r.Host + "." + cfg.Region + ".amazonaws.com"
	if cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	method, path := r.Method, r.Path
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), r.Service, cfg.Region, time.Now()); err != nil {
		return err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Type    string `json:"__type"`
			Code    string `json:"code"`
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		json.Unmarshal(raw, &e)
		code := e.Type
		if code == "" {
			code = e.Code
		}
		if h := resp.Header.Get("X-Amzn-Errortype"); code == "" && h != "" {
			// "Code:http://internal.amazon.com/…" on some services.
			code, _, _ = strings.Cut(h, ":")
		}
		msg := e.Message
		if msg == "" {
			msg = e.Msg
		}
		if msg == "" {
			msg = string(raw)
		}
		return &Error{Status: resp.StatusCode, Code: code, Message: msg}
	}
	if r.Response != nil && len(raw) > 0 {
		return json.Unmarshal(raw, r.Response)
	}
	return nil
}
