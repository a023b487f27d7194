package ws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// ManagementAPI posts through API Gateway's connection management API.
type ManagementAPI struct {
	Client *apigatewaymanagementapi.Client
}

// NewManagementAPI targets the stage's https endpoint.
func NewManagementAPI(cfg aws.Config, endpoint string) *ManagementAPI {
	return &ManagementAPI{Client: apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})}
}

func (m *ManagementAPI) Post(ctx context.Context, id string, data []byte) error {
	_, err := m.Client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: data})
	return err
}
