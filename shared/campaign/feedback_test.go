package campaign_test

import (
	"slices"
	"testing"

	"payvand.dev/shared/campaign"
)

func TestParseFeedbackSuppressesOnlyWhatWillNotGetBetter(t *testing.T) {
	mail := `"mail":{"messageId":"m1","tags":{"ses:configuration-set":["payvand-dev"],"tenant":["alpha"]}}`
	cases := []struct {
		name, detail string
		want         []string
		reason       string
	}{
		{"permanent bounce, two recipients", `{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"NoEmail","bouncedRecipients":[{"emailAddress":"a@x.test"},{"emailAddress":"b@x.test"}]},` + mail + `}`, []string{"a@x.test", "b@x.test"}, "bounce"},
		{"transient bounce", `{"eventType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","bouncedRecipients":[{"emailAddress":"a@x.test"}]},` + mail + `}`, nil, "bounce"},
		{"undetermined bounce", `{"eventType":"Bounce","bounce":{"bounceType":"Undetermined","bounceSubType":"Undetermined","bouncedRecipients":[{"emailAddress":"a@x.test"}]},` + mail + `}`, nil, "bounce"},
		{"abuse complaint", `{"eventType":"Complaint","complaint":{"complaintFeedbackType":"abuse","complainedRecipients":[{"emailAddress":"c@x.test"}]},` + mail + `}`, []string{"c@x.test"}, "complaint"},
		{"complaint without a feedback type", `{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"c@x.test"}]},` + mail + `}`, []string{"c@x.test"}, "complaint"},
		{"not-spam feedback", `{"eventType":"Complaint","complaint":{"complaintFeedbackType":"not-spam","complainedRecipients":[{"emailAddress":"c@x.test"}]},` + mail + `}`, nil, "complaint"},
	}
	for _, c := range cases {
		f, err := campaign.ParseFeedback([]byte(c.detail))
		if err != nil || f.Tenant != "alpha" || f.Reason != c.reason || !slices.Equal(f.Suppress, c.want) && len(f.Suppress)+len(c.want) > 0 {
			t.Errorf("%s: %+v, %v", c.name, f, err)
		}
	}
	for _, bad := range []string{`{"eventType":"Delivery","delivery":{},` + mail + `}`, `{"eventType":"Bounce"}`, `not json`} {
		if _, err := campaign.ParseFeedback([]byte(bad)); err == nil {
			t.Errorf("%s: parsed", bad)
		}
	}
}
