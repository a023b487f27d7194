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

var _ Provider = (*SNS)(nil)

// Name is the provider's name.
func (s *SNS) Name() string { return "sns" }

func (s *SNS) Send(ctx context.Context, m Message) (string, error) {
	form := url.Values{"Action": {"Publish"}, "Version": {"2010-03-31"}, "PhoneNumber": {m.To}, "Message": {m.Body},
		"MessageAttributes.entry.1.Name": {"AWS.SNS.SMS.SMSType"}, "MessageAttributes.entry.1.Value.DataType": {"String"},
		"MessageAttributes.entry.1.Value.StringValue": {"Transactional"}}
	if s.SenderID != "" {
		form.Set("MessageAttributes.entry.2.Name", "AWS.SNS.SMS.SenderID")
		form.Set("MessageAttributes.entry.2.Value.DataType", "String")
		form.Set("MessageAttributes.entry.2.Value.StringValue", s.SenderID)
	}
	raw, err := s.call(ctx, form)
	if err != nil {
		return "", err
	}
	var out struct {
		MessageID string `xml:"PublishResult>MessageId"`
	}
	if err := xml.Unmarshal(raw, &out); err != nil || out.MessageID == "" {
		return "", fmt.Errorf("sns: unreadable answer %q", raw)
	}
	return out.MessageID, nil
}

// SNSError is a refused call: the HTTP status and AWS's error code.
type SNSError struct {
	Status int
	Code   string
	Body   string
}

func (e *SNSError) Error() string { return fmt.Sprintf("sns: %d %s %s", e.Status, e.Code, e.Body) }

// Check calls GetSMSAttributes: the credentials are good and SNS
// answers. The account's spend limits are the platform's business, so
// the answer says only that SNS takes texts.
func (s *SNS) Check(ctx context.Context) (string, error) {
	raw, err := s.call(ctx, url.Values{"Action": {"GetSMSAttributes"}, "Version": {"2010-03-31"}})
	if err != nil {
		if e, ok := err.(*SNSError); ok {
			return "", fmt.Errorf("Amazon SNS refused the check (%d %s)", e.Status, e.Code)
		}
		return "", fmt.Errorf("Amazon SNS could not be reached")
	}
	var out struct {
		XMLName xml.Name `xml:"GetSMSAttributesResponse"`
	}
	if err := xml.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("Amazon SNS answered unreadably")
	}
	msg := "Amazon SNS answered: texts are sent as Transactional"
	if s.SenderID != "" {
		msg += " with sender id " + s.SenderID
	}
	return msg, nil
}

// call signs and posts one query-protocol request.
func (s *SNS) call(ctx context.Context, form url.Values) ([]byte, error) {
	body := form.Encode()
	endpoint := "https://sns." + s.AWS.Region + ".amazonaws.com/"
	if s.AWS.BaseEndpoint != nil {
		endpoint = strings.TrimSuffix(*s.AWS.BaseEndpoint, "/") + "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if s.AWS.Credentials == nil {
		return nil, fmt.Errorf("sns: no AWS credentials")
	}
	creds, err := s.AWS.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sns", s.AWS.Region, time.Now()); err != nil {
		return nil, err
	}
	client := s.AWS.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Code string `xml:"Error>Code"`
		}
		xml.Unmarshal(raw, &e)
		return nil, &SNSError{Status: resp.StatusCode, Code: e.Code, Body: string(raw)}
	}
	return raw, nil
}
