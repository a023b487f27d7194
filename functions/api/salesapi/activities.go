package salesapi

import (
	"context"
	"time"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/jalali"
	"payvand.dev/shared/sales"
)

// ActivityView is an activity with the Jalali twins of its dates.
type ActivityView struct {
	crm.Activity
	When            time.Time `json:"date"`
	DateJalali      string    `json:"date_jalali"`
	CreatedAtJalali string    `json:"created_at_jalali"`
}

func activityView(ctx context.Context, a *crm.Activity) ActivityView {
	loc := httpapi.LocationFrom(ctx)
	return ActivityView{Activity: *a, When: a.When(), DateJalali: jalali.Format(a.When(), loc), CreatedAtJalali: jalali.Format(a.CreatedAt, loc)}
}

func registerActivities(s *httpapi.Server, svc *sales.Service) {}
