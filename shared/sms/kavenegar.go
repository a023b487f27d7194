package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"payvand.dev/shared/crm"
)

// KavenegarURL is Kavenegar's REST API.
const KavenegarURL = "https://api.kavenegar.com/v1"

// Kavenegar sends through Kavenegar (an Iranian SMS provider): POST
// {base}/{API key}/sms/send.json with the form fields receptor, message
// and sender.
type Kavenegar struct {
	APIKey  string
	Sender  string // the line to send from; empty: the account's default line
	BaseURL string // KavenegarURL when empty (tests point it elsewhere)
	Client  *http.Client
}

var _ Provider = (*Kavenegar)(nil)

// Name is the provider's name.
func (k *Kavenegar) Name() string { return "kavenegar" }

// kavenegarReturn is the status block of every answer.
type kavenegarReturn struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// KavenegarError is a refusal: return.status and its message.
type KavenegarError struct {
	Status  int
	Message string
}

func (e *KavenegarError) Error() string {
	return fmt.Sprintf("kavenegar: %d %s", e.Status, e.Message)
}

// Send sends one text; the id is Kavenegar's messageid.
func (k *Kavenegar) Send(ctx context.Context, m Message) (string, error) {
	form := url.Values{"receptor": {kavenegarReceptor(m.To)}, "message": {m.Body}}
	if k.Sender != "" {
		form.Set("sender", k.Sender)
	}
	var out struct {
		Return  kavenegarReturn `json:"return"`
		Entries []struct {
			MessageID  json.Number `json:"messageid"`
			Status     int         `json:"status"`
			StatusText string      `json:"statustext"`
		} `json:"entries"`
	}
	if err := k.call(ctx, "sms/send.json", form, &out.Return, &out); err != nil {
		return "", kavenegarProblem(err)
	}
	if len(out.Entries) == 0 || out.Entries[0].MessageID == "" {
		return "", &crm.Error{Code: crm.ECONFLICT, Message: "the SMS provider (Kavenegar) accepted the request but returned no message id"}
	}
	return out.Entries[0].MessageID.String(), nil
}

// Check calls account/info.json: the key is valid and the account
// active. The account's credit is the platform's business, so the answer
// says only whether there is some.
func (k *Kavenegar) Check(ctx context.Context) (string, error) {
	var out struct {
		Return  kavenegarReturn `json:"return"`
		Entries struct {
			RemainCredit json.Number `json:"remaincredit"`
			ExpireDate   int64       `json:"expiredate"`
			Type         string      `json:"type"`
		} `json:"entries"`
	}
	if err := k.call(ctx, "account/info.json", url.Values{}, &out.Return, &out); err != nil {
		var ke *KavenegarError
		if errors.As(err, &ke) {
			return "", fmt.Errorf("Kavenegar refused the account check: %s", kavenegarReason(ke))
		}
		return "", err
	}
	if credit, err := out.Entries.RemainCredit.Float64(); err == nil && credit <= 0 {
		return "", errors.New("Kavenegar answered, but the account has no credit left: texts will be refused")
	}
	if exp := out.Entries.ExpireDate; exp > 0 && time.Unix(exp, 0).Before(time.Now()) {
		return "", errors.New("Kavenegar answered, but the account has expired")
	}
	msg := "Kavenegar answered: the account is active and has credit"
	if k.Sender != "" {
		msg += "; texts go out from line " + k.Sender
	}
	return msg, nil
}

// call posts form to {base}/{key}/{method} and decodes the answer into
// out, whose return block ret must say 200. Errors never carry the URL
// (it holds the API key).
func (k *Kavenegar) call(ctx context.Context, method string, form url.Values, ret *kavenegarReturn, out any) error {
	if k.APIKey == "" {
		return &crm.Error{Code: crm.ECONFLICT, Message: "SMS is not configured: PAYVAND_KAVENEGAR_API_KEY is not set"}
	}
	base := k.BaseURL
	if base == "" {
		base = KavenegarURL
	}
	endpoint := strings.TrimSuffix(base, "/") + "/" + url.PathEscape(k.APIKey) + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return errors.New("kavenegar: bad base URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	client := k.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL and its key
		}
		return fmt.Errorf("Kavenegar could not be reached: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	// Kavenegar answers errors with the same body (and the same status
	// as return.status), so the body decides.
	if err := json.Unmarshal(raw, out); err != nil || ret.Status == 0 {
		return fmt.Errorf("Kavenegar answered HTTP %d with an unreadable body", resp.StatusCode)
	}
	if ret.Status != 200 {
		return &KavenegarError{Status: ret.Status, Message: ret.Message}
	}
	return nil
}

// kavenegarReceptor is the number as Kavenegar takes it: Iranian numbers
// nationally (0912…), others with the 00 prefix.
func kavenegarReceptor(e164 string) string {
	if strings.HasPrefix(e164, "+98") {
		return "0" + e164[3:]
	}
	return "00" + strings.TrimPrefix(e164, "+")
}

// kavenegarMeaning says what Kavenegar's documented statuses mean.
var kavenegarMeaning = map[int]string{
	400: "incomplete parameters", 401: "the account is disabled", 402: "the operation failed", 403: "the API key is not valid",
	404: "unknown method", 405: "wrong HTTP method", 406: "required parameters are empty", 407: "no access to this information",
	409: "the server cannot answer now; try again later", 411: "the recipient is not valid", 412: "the sender line is not valid",
	413: "the message is empty or too long", 414: "too many recipients", 415: "index out of range", 416: "the calling IP address is not allowed",
	417: "the send date is not valid", 418: "the account's credit is not enough", 419: "lists of different lengths",
	420: "links are not allowed in messages from this line", 422: "the message has characters that cannot be sent",
	424: "template not found", 426: "this needs an advanced plan", 427: "this number takes messages only from a dedicated line",
	428: "the number cannot receive voice calls", 431: "the code is malformed", 432: "the code parameter was not found",
	451: "too many repeated calls", 501: "a test account sends only to its owner's number",
}

func kavenegarReason(e *KavenegarError) string {
	s := strconv.Itoa(e.Status)
	if m, ok := kavenegarMeaning[e.Status]; ok {
		s += " " + m
	}
	if e.Message != "" {
		s += " — " + e.Message
	}
	return s
}

// kavenegarProblem turns a refusal into a problem a client can act on:
// 422 naming the field for what is wrong with the text or the number,
// 409 for what is wrong with the platform's account (never a 500).
func kavenegarProblem(err error) error {
	var ke *KavenegarError
	if !errors.As(err, &ke) {
		var ce *crm.Error
		if errors.As(err, &ce) {
			return err
		}
		return &crm.Error{Code: crm.ECONFLICT, Message: "the SMS provider (Kavenegar) could not be reached; try again later", Err: err}
	}
	reason := "the SMS provider (Kavenegar) refused the message: " + kavenegarReason(ke)
	field := map[int]string{411: "to", 414: "to", 501: "to", 413: "message", 420: "message", 422: "message"}[ke.Status]
	if field != "" {
		return &crm.Error{Code: crm.EVALIDATION, Message: reason, Fields: map[string][]string{field: {reason}}, Err: err}
	}
	return &crm.Error{Code: crm.ECONFLICT, Message: reason, Err: err}
}
