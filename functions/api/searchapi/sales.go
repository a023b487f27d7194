package searchapi

import (
	"payvand.dev/shared/money"
	"payvand.dev/shared/sales"
	"payvand.dev/shared/store"
)

// Deals, sales and activities join global search (type=deals|sales|
// activities): their index kinds, the module that may see them, and how
// their items read.
func init() {
	type spec = struct {
		kind, module string
		key          func(id string) store.Key
	}
	kinds["deals"] = spec{"deal", "sales", sales.DealKey}
	kinds["sales"] = spec{"sale", "sales", sales.SaleKey}
	kinds["activities"] = spec{"activity", "activities", sales.ActivityKey}
}

// decodeMore adds an item of the kinds above to the results.
func decodeMore(name string, it store.Item, r *Results) error {
	switch name {
	case "deals":
		d, err := sales.DecodeDeal(it)
		if err != nil {
			return err
		}
		r.Deals = append(r.Deals, sales.DealSummary(d, nil))
	case "sales":
		s, err := sales.DecodeSale(it)
		if err != nil {
			return err
		}
		r.Sales = append(r.Sales, map[string]any{"id": s.ID, "customer_id": s.CustomerID, "customer_name": s.CustomerName,
			"total_amount": money.FromMinor(s.TotalMinor, s.Currency), "currency": s.Currency, "status": s.Status, "sale_date": s.SaleDate})
	case "activities":
		a, err := sales.DecodeActivity(it)
		if err != nil {
			return err
		}
		r.Activities = append(r.Activities, sales.ActivitySummary(a, nil))
	}
	return nil
}

// moreHits are the advanced search's hits of those kinds.
func moreHits(r *Results) []Hit {
	var out []Hit
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	for _, d := range r.Deals {
		if m, ok := d.(map[string]any); ok {
			out = append(out, Hit{Type: "deal", ID: str(m, "id"), Title: str(m, "title"), Subtitle: str(m, "stage_name") + " " + str(m, "status"), URL: "/dashboard/deals/" + str(m, "id"), Data: m})
		}
	}
	for _, s := range r.Sales {
		if m, ok := s.(map[string]any); ok {
			out = append(out, Hit{Type: "sale", ID: str(m, "id"), Title: str(m, "customer_name"), Subtitle: str(m, "status"), URL: "/dashboard/sales/" + str(m, "id"), Data: m})
		}
	}
	for _, a := range r.Activities {
		if m, ok := a.(map[string]any); ok {
			out = append(out, Hit{Type: "activity", ID: str(m, "id"), Title: str(m, "title"), Subtitle: str(m, "type"), URL: "/dashboard/activities/" + str(m, "id"), Data: m})
		}
	}
	return out
}
