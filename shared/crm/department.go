package crm

import "time"

// Department is a unit of the organization; departments form a tree.
type Department struct {
	ID          string
	Name        string
	Description string
	ParentID    string
	HeadID      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Position is a job a user holds (IshYar's position_id).
type Position struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	DepartmentID string    `json:"department_id"`
	Level        int       `json:"level"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}
