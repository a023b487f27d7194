package mailsettings

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"payvand.dev/shared/awssign"
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

// GetSESAccount calls SES v2 GetAccount (GET /v2/email/account) with one
// signed request; a refusal is an *awssign.Error (status and AWS's code).
func GetSESAccount(ctx context.Context, cfg aws.Config) (*SESAccount, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials")
	}
	var a SESAccount
	if err := awssign.Do(ctx, cfg, awssign.Request{Service: "ses", Host: "email", Method: http.MethodGet, Path: "/v2/email/account", Response: &a}); err != nil {
		return nil, err
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
