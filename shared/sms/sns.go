package sms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SNS sends through Amazon SNS's Publish to a phone number, by one signed
// query-protocol request (the SNS client would weigh on the function).
type SNS struct {
	AWS      aws.Config
	SenderID string // optional alphanumeric sender id
}

func (s *SNS) Send(ctx context.Context, m Message) (string, error) {
	form := url.Values{"Action": {"Publish"}, "Version": {"2010-03-31"}, "PhoneNumber": {m.To}, "Message": {m.Body},
		"MessageAttributes.entry.1.Name": {"AWS.SNS.SMS.SMSType"}, "MessageAttributes.entry.1.Value.DataType": {"String"},
		"MessageAttributes.entry.1.Value.StringValue": {"Transactional"}}
	if s.SenderID != "" {
		form.Set("MessageAttributes.entry.2.Name", "AWS.SNS.SMS.SenderID")
		form.Set("MessageAttributes.entry.2.Value.DataType", "String")
		form.Set("MessageAttributes.entry.2.Value.StringValue", s.SenderID)
	}
	body := form.Encode()
	endpoint := "https://sns." + s.AWS.Region + ".amazonaws.com/"
	if s.AWS.BaseEndpoint != nil {
		endpoint = strings.TrimSuffix(*s.AWS.BaseEndpoint, "/") + "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	creds, err := s.AWS.Credentials.Retrieve(ctx)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sns", s.AWS.Region, time.Now()); err != nil {
		return "", err
	}
	client := s.AWS.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("sns: %d %s", resp.StatusCode, raw)
	}
	var out struct {
		MessageID string `xml:"PublishResult>MessageId"`
	}
	if err := xml.Unmarshal(raw, &out); err != nil || out.MessageID == "" {
		return "", fmt.Errorf("sns: unreadable answer %q", raw)
	}
	return out.MessageID, nil
}
