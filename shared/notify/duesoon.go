package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/guregu/dynamo/v2"

	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// DueSoonConsumer names the reminder in processed markers.
const DueSoonConsumer = "due-soon"

// DueSoon tells the assignees of open tasks due today or tomorrow (dates
// as the tasks store them) that they are due: once per task and due
// date, however often it runs (the hourly schedule on AWS, the local
// runner's housekeeping). One Query of the due-date index.
func DueSoon(ctx context.Context, t store.Table, now time.Time) (int, error) {
	today := now.UTC().Format(time.DateOnly)
	tomorrow := now.UTC().Add(24 * time.Hour).Format(time.DateOnly)
	p, err := t.Query(ctx, store.Query{Index: "GSI2", PK: "TASKS#DUE", SK: store.SKBetweenOf(today, tomorrow+"#~"), Limit: 1000})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, it := range p.Items {
		var task struct {
			ID        string   `dynamo:"id"`
			Title     string   `dynamo:"title"`
			Status    string   `dynamo:"status"`
			DueDate   string   `dynamo:"due_date"`
			Assignees []string `dynamo:"assignee_ids"`
		}
		if dynamo.UnmarshalItem(it, &task) != nil || task.ID == "" || task.Status == "completed" || task.Status == "cancelled" {
			continue
		}
		var planned []*Notification
		for _, u := range task.Assignees {
			if len(planned) < maxRecipients {
				planned = append(planned, New(u, TaskDueSoon, "Due soon: "+task.Title, fmt.Sprintf("“%s” is due on %s", task.Title, task.DueDate),
					map[string]any{"task_id": task.ID, "due_date": task.DueDate, "url": "/tasks/" + task.ID}))
			}
		}
		if len(planned) == 0 {
			continue
		}
		if err := write(ctx, t, outbox.ProcessedOp(DueSoonConsumer, task.ID+"#"+task.DueDate), "", "", planned); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}
