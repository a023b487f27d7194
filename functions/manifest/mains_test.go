package manifest

import (
	"os"
	"slices"
	"strings"
	"testing"

	"payvand.dev/shared/webhooks"
)

// A function granted the bucket or SES must open them: a main that
// forgets the blob opener answers 500 on every upload on AWS only, and
// one that forgets the mail opener drops its mail into the control
// table's outbox. Local runs cannot show either, so the sources are read.
func TestMainsOpenWhatTheyAreGranted(t *testing.T) {
	for _, f := range Functions {
		src, err := os.ReadFile("../" + f.Name + "/main.go")
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		code := string(src)
		if slices.Contains(f.Resources, Documents) && !(strings.Contains(code, "LambdaBlob") || strings.Contains(code, "blob.NewS3")) {
			t.Errorf("%s is granted the documents bucket but its main does not open it (app.LambdaBlob)", f.Name)
		}
		if slices.Contains(f.Resources, Email) && !strings.Contains(code, "sesmail.New") {
			t.Errorf("%s is granted SES but its main does not send through it (sesmail.New)", f.Name)
		}
	}
}

// The webhook worker's rule routes exactly the events an endpoint may
// take: one more there would be dropped by the deliverer, one fewer
// delivered locally and never on AWS.
func TestWebhookWorkerTakesTheDeliverableEvents(t *testing.T) {
	f, _ := Lookup("webhookworker")
	got, want := slices.Sorted(slices.Values(f.Events)), slices.Sorted(slices.Values(webhooks.Deliverable))
	if !slices.Equal(got, want) {
		t.Fatalf("webhookworker routes %v; webhooks.Deliverable is %v", got, want)
	}
}
