package mailsettings

import (
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

// SESAccount is what SES v2 GetAccount says of the sending account.
type SESAccount struct {
	SendingEnabled          bool   `json:"SendingEnabled"`
	ProductionAccessEnabled bool   `json:"ProductionAccessEnabled"`
	EnforcementStatus       string `json:"EnforcementStatus"` // HEALTHY, PROBATION, SHUTDOWN
	SendQuota               struct {
		Max24HourSend   float64 `json:"Max24HourSend"`
		MaxSendRate     float64 `json:"MaxSendRate"`
		SentLast24Hours float64 `json:"SentLast24Hours"`
	} `json:"SendQuota"`
}

// SESError is a refused GetAccount: the status and AWS's error code.
type SESError struct {
	Status  int
	Code    string
	Message string
}

func (e *SESError) Error() string {
	return fmt.Sprintf("SES answered %d %s %s", e.Status, e.Code, e.Message)
}

// GetSESAccount calls SES v2 GetAccount (GET /v2/email/account) with one
// signed request (awssign sends a JSON body, which a GET has not).
func GetSESAccount(ctx context.Context, cfg aws.Config) (*SESAccount, error) {
	endpoint := "https://email." + cfg.Region + ".amazonaws.com"
	if cfg.BaseEndpoint != nil {
		endpoint = strings.TrimSuffix(*cfg.BaseEndpoint, "/")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/v2/email/account", nil)
	if err != nil {
		return nil, err
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("no AWS credentials")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	empty := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "ses", cfg.Region, time.Now()); err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		e := &SESError{Status: resp.StatusCode, Code: resp.Header.Get("X-Amzn-Errortype")}
		var body struct {
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		json.Unmarshal(raw, &body)
		e.Message = body.Message + body.Msg
		if i := strings.IndexByte(e.Code, ':'); i > 0 {
			e.Code = e.Code[:i]
		}
		return nil, e
	}
	var a SESAccount
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("SES GetAccount: unreadable answer: %w", err)
	}
	return &a, nil
}

// Describe says what the account allows, for a person.
func (a *SESAccount) Describe() string {
	var b strings.Builder
	if a.SendingEnabled {
		b.WriteString("Amazon SES is sending")
	} else {
		b.WriteString("Amazon SES sending is paused for this account")
	}
	if a.ProductionAccessEnabled {
		b.WriteString(", with production access")
	} else {
		b.WriteString(", in the sandbox (only to verified addresses)")
	}
	fmt.Fprintf(&b, "; quota %.0f messages a day (%.0f sent in the last 24 hours), %.0f a second", a.SendQuota.Max24HourSend, a.SendQuota.SentLast24Hours, a.SendQuota.MaxSendRate)
	if a.EnforcementStatus != "" && a.EnforcementStatus != "HEALTHY" {
		b.WriteString("; enforcement status " + a.EnforcementStatus)
	}
	return b.String() + "."
}
