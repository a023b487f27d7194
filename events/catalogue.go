package events

import (
	"encoding/json"
	"time"
)

// Entry describes one detail type: who writes it and a sample of its data.
type Entry struct {
	Type   string
	About  string
	Sample string // the envelope's data member
}

// Catalogue lists every detail type written to an outbox anywhere in the
// code (TestCatalogueCoversTheCode keeps it so), with a sample.
var Catalogue = []Entry{
	{"customer.created", "a customer was created", `{"customer":{"id":"0198c1d2-0000-7000-8000-000000000001","name":"Acme","status":"active"}}`},
	{"customer.updated", "a customer changed (a new name then reaches its deals and activities, through the notifier)", `{"customer":{"id":"0198c1d2-0000-7000-8000-000000000001","name":"Acme Trading","status":"inactive"},"previous_status":"active","previous_name":"Acme"}`},
	{"customer.deleted", "a customer was deleted", `{"customer_id":"0198c1d2-0000-7000-8000-000000000001"}`},
	{"contact.created", "a contact was created", `{"contact":{"id":"0198c1d2-0000-7000-8000-000000000002","first_name":"Sara"}}`},
	{"contact.updated", "a contact changed", `{"contact":{"id":"0198c1d2-0000-7000-8000-000000000002","first_name":"Sara"}}`},
	{"contact.deleted", "a contact was deleted", `{"contact_id":"0198c1d2-0000-7000-8000-000000000002"}`},
	{"product.created", "a product was created", `{"product":{"id":"p1","name":"Widget","quantity":4}}`},
	{"product.updated", "a product changed", `{"product":{"id":"p1","name":"Widget","quantity":4}}`},
	{"product.stock_changed", "a product's stock changed", `{"product":{"id":"p1","name":"Widget","quantity":3}}`},
	{"product.deleted", "a product was deleted", `{"product_id":"p1"}`},
	{"import.progress", "an import job moved on; status completed or failed ends it", `{"job_id":"j1","status":"completed","processed":120,"total":120}`},
	{"task.created", "a task was created", `{"task":{"id":"t1","title":"Call Acme","status":"not_started","priority":"high","due_date":"2026-12-01","assignee_ids":["u2"],"created_by":"u1","parent_id":"","department_id":"d1"}}`},
	{"task.updated", "a task changed", `{"task":{"id":"t1","title":"Call Acme","status":"in_progress","priority":"high","due_date":"2026-12-01","assignee_ids":["u2"],"created_by":"u1","parent_id":"","department_id":"d1"}}`},
	{"task.deleted", "a task was deleted", `{"task_id":"t1","title":"Call Acme","parent_id":""}`},
	{"task.assigned", "a task's assignees changed; added are the new ones", `{"task_id":"t1","title":"Call Acme","assignees":["u2","u3"],"added":["u3"]}`},
	{"task.status_changed", "a task's status changed", `{"task_id":"t1","title":"Call Acme","from":"in_progress","to":"completed","completion_note":"done","assignees":["u2"]}`},
	{"task.commented", "a comment was added; mentions are user ids", `{"task_id":"t1","comment_id":"c1","author_id":"u1","mentions":["u2"],"body":"@sara please call"}`},
	{"task.comment_updated", "a comment was edited; new_mentions are the added ones", `{"task_id":"t1","comment_id":"c1","mentions":["u2","u3"],"new_mentions":["u3"]}`},
	{"task.comment_deleted", "a comment was deleted", `{"task_id":"t1","comment_id":"c1"}`},
	{"task.time_logged", "time was logged on a task", `{"task_id":"t1","entry_id":"e1","user_id":"u2","hours":1.5,"date":"2026-11-28"}`},
	{"task.time_updated", "a time entry changed", `{"task_id":"t1","entry_id":"e1","hours":2}`},
	{"task.time_deleted", "a time entry was deleted", `{"task_id":"t1","entry_id":"e1"}`},
	{"task.attachment_added", "a file was attached to a task", `{"task_id":"t1","attachment_id":"a1","name":"brief.pdf","size":48213}`},
	{"task.attachment_deleted", "a task's file was deleted", `{"task_id":"t1","attachment_id":"a1"}`},
	{"label.created", "a label was created", `{"label":{"id":"l1","name":"urgent","color":"#ff0000"}}`},
	{"label.updated", "a label changed", `{"label":{"id":"l1","name":"urgent","color":"#ff0000"}}`},
	{"label.deleted", "a label was deleted", `{"label_id":"l1"}`},
	{"department.created", "a department was created", `{"department":{"id":"d1","name":"Sales"}}`},
	{"department.updated", "a department changed", `{"department":{"id":"d1","name":"Sales"}}`},
	{"department.deleted", "a department was deleted; its people moved", `{"department_id":"d1","moved_to":"d2"}`},
	{"position.created", "a position was created", `{"position":{"id":"p1","name":"Manager"}}`},
	{"position.updated", "a position changed", `{"position":{"id":"p1","name":"Manager"}}`},
	{"position.deleted", "a position was deleted", `{"position_id":"p1"}`},
	{"pipeline.created", "a pipeline was created", `{"pipeline":{"id":"pl1","name":"Sales","stages":[{"id":"s1","name":"Lead"}]}}`},
	{"pipeline.updated", "a pipeline changed", `{"pipeline":{"id":"pl1","name":"Sales"}}`},
	{"pipeline.deleted", "a pipeline was deleted; its deals moved", `{"pipeline_id":"pl1","moved_to":"pl2"}`},
	{"pipeline.stage_added", "a stage was added", `{"pipeline_id":"pl1","stage":{"id":"s2","name":"Proposal"}}`},
	{"pipeline.stage_updated", "a stage changed", `{"pipeline_id":"pl1","stage":{"id":"s2","name":"Proposal"}}`},
	{"pipeline.stage_deleted", "a stage was deleted; its deals moved", `{"pipeline_id":"pl1","stage_id":"s2","moved_to":"s1"}`},
	{"pipeline.stages_reordered", "the stages were reordered", `{"pipeline_id":"pl1","order":["s2","s1"]}`},
	{"deal.created", "a deal was created", `{"deal":{"id":"dl1","title":"Big order","owner_id":"u1","stage_id":"s1","status":"open"}}`},
	{"deal.updated", "a deal changed (through PUT: with from_stage_id, to_stage_id and previous_title; a new title then reaches its activities)", `{"deal":{"id":"dl1","title":"Big order","owner_id":"u1","stage_id":"s1","status":"open"},"from_stage_id":"s1","to_stage_id":"s1","previous_title":"Order"}`},
	{"deal.stage_changed", "a deal moved to another stage", `{"deal":{"id":"dl1","title":"Big order","owner_id":"u1","stage_id":"s2","status":"open"},"from_stage":"s1","to_stage":"s2"}`},
	{"deal.won", "a deal was won", `{"deal":{"id":"dl1","title":"Big order","owner_id":"u1","status":"won"}}`},
	{"deal.lost", "a deal was lost", `{"deal":{"id":"dl1","title":"Big order","owner_id":"u1","status":"lost"}}`},
	{"deal.reopened", "a won or lost deal was reopened", `{"deal":{"id":"dl1","title":"Big order","owner_id":"u1","status":"open"}}`},
	{"deal.deleted", "a deal was deleted", `{"deal_id":"dl1"}`},
	{"activity.created", "an activity was created", `{"activity":{"id":"ac1","type":"call","subject":"Intro call"}}`},
	{"activity.updated", "an activity changed", `{"activity":{"id":"ac1","type":"call","subject":"Intro call"}}`},
	{"activity.completed", "an activity was completed", `{"activity":{"id":"ac1","type":"call","completed":true}}`},
	{"activity.deleted", "an activity was deleted", `{"activity":{"id":"ac1"}}`},
	{"sale.created", "a sale was recorded", `{"sale_id":"sl1","status":"pending","total_minor":1250000,"currency":"IRR","customer_id":"c1"}`},
	{"sale.updated", "a sale changed", `{"sale_id":"sl1","status":"pending","total_minor":1250000,"currency":"IRR","customer_id":"c1"}`},
	{"sale.payment_recorded", "a payment was recorded", `{"sale_id":"sl1","status":"pending","total_minor":1250000,"currency":"IRR","customer_id":"c1"}`},
	{"sale.pending", "a sale went back to pending", `{"sale_id":"sl1","from":"cancelled","to":"pending"}`},
	{"sale.completed", "a sale was completed", `{"sale_id":"sl1","total_minor":1250000,"currency":"IRR"}`},
	{"sale.cancelled", "a sale was cancelled", `{"sale_id":"sl1","from":"completed","to":"cancelled"}`},
	{"sale.refunded", "a sale was refunded", `{"sale_id":"sl1","from":"completed","to":"refunded"}`},
	{"sale.deleted", "a sale was deleted", `{"sale_id":"sl1"}`},
	{"notification.created", "the notifier wrote a notification (real-time pushes it as notification.new)", `{"notification":{"id":"n1","user_id":"u2","type":"task_assigned","title":"New task: Call Acme","data":{"task_id":"t1"},"read":false,"created_at":"2026-11-28T06:00:00Z"}}`},
	{"sms.sent", "a text message was handed to the provider", `{"message_id":"m1","to":"+989121234567","segments":2,"encoding":"UCS-2"}`},
	{"ws.connected", "a WebSocket client connected on API Gateway (published by the realtime Lambda, not an outbox record): the notifier sends pusher:connection_established", `{"connection_id":"L0SM9cOFvHcCIhw="}`},
	{"webhook.created", "a webhook endpoint was registered", `{"webhook_id":"w1","url":"https://hooks.example.com/payvand","events":["*"]}`},
	{"webhook.updated", "a webhook endpoint changed", `{"webhook_id":"w1","url":"https://hooks.example.com/payvand","events":["task.created"]}`},
	{"webhook.deleted", "a webhook endpoint was removed", `{"webhook_id":"w1"}`},
	{"webhook.disabled", "a webhook endpoint was turned off after failing (or answering 410 Gone); updating it with active: true turns it on again", `{"webhook_id":"w1","url":"https://hooks.example.com/payvand","reason":"every delivery failed for 5 days","disabled_at":"2026-11-28T07:00:00Z"}`},
	{"email.campaign_progress", "a bulk e-mail campaign moved on (every 100 recipients, at the end, and when cancelled); pushed to the sender's private-user channel", `{"campaign_id":"c1","status":"sending","total":120,"sent":98,"suppressed":2,"invalid":0,"duplicate":0,"failed":0,"progress":83}`},
	{"email.campaign_queued", "a campaign is ready to send (at once, at its scheduled time, or what a worker handed back before its deadline): the email worker takes it", `{"campaign_id":"c1","total":120}`},
	{"email.campaign_scheduled", "a campaign waits for its time: the email worker makes its one-time schedule", `{"campaign_id":"c1","scheduled_at":"2026-12-01T06:30:00Z","total":120}`},
	{"email.campaign_due", "a scheduled campaign's time has come (put on the bus by EventBridge Scheduler, not an outbox record; its detail is not an envelope)", `{"tenant":"acme","campaign_id":"c1"}`},
	{"email.template_saved", "an e-mail template of the tenant was created or changed", `{"template_id":"t1","name":"Invoice due"}`},
	{"email.template_deleted", "an e-mail template of the tenant was deleted", `{"template_id":"t1"}`},
	{"api_key.created", "an API key was issued", `{"key_id":"k1","name":"Zapier","modules":["customers"]}`},
	{"api_key.revoked", "an API key was revoked", `{"key_id":"k1"}`},
	{"document.uploaded", "a document was stored", `{"document_id":"d1","name":"contract.pdf","size":1024,"customer_id":"c1"}`},
	{"document.updated", "a document's metadata changed", `{"document_id":"d1","name":"contract.pdf"}`},
	{"document.version_added", "a new file of a document was stored; it is the current one, the earlier ones stay", `{"document_id":"d1","version":2,"size":2048,"uploaded_by":"u1"}`},
	{"document.deleted", "a document and its share links were removed", `{"document_id":"d1"}`},
	{"document.shared", "a document was shared (one link per recipient)", `{"document_id":"d1","recipients":["u2","someone@example.com"],"permission":"view"}`},
	{"document.share_revoked", "a share link of a document was revoked", `{"document_id":"d1","share_id":"s1"}`},
	{"document.category_created", "a document category was created", `{"category_id":"k1","name":"Contracts"}`},
	{"document.category_updated", "a document category changed", `{"category_id":"k1","name":"Contracts"}`},
	{"document.category_deleted", "a document category was removed", `{"category_id":"k1"}`},
	{"feedback.form_created", "a feedback form was created", `{"form_id":"f1","title":"After-sale survey","recipients":3}`},
	{"feedback.form_updated", "a feedback form changed", `{"form_id":"f1","title":"After-sale survey"}`},
	{"feedback.submitted", "feedback was submitted (through a link or by hand)", `{"form_id":"f1","submission_id":"s1","source":"recipient","customer_id":"c1"}`},
	{"backup.finished", "a tenant backup ended (no writer yet: the backup function is to come)", `{"backup_id":"b1","status":"completed","requested_by":"u1"}`},
}

// Lookup returns the catalogue entry of a type.
func Lookup(t string) (Entry, bool) {
	for _, e := range Catalogue {
		if e.Type == t {
			return e, true
		}
	}
	return Entry{}, false
}

// SampleEnvelope is the whole envelope of an entry, as consumers get it.
func (e Entry) SampleEnvelope() []byte {
	b, _ := json.Marshal(Envelope{ID: "0198c1d2-0000-7000-8000-00000000e001", Type: e.Type, Version: 1, Tenant: "acme", Actor: "u1",
		OccurredAt: time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC), Data: json.RawMessage(e.Sample)})
	return b
}
