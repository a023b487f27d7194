package app

import "payvand.dev/functions/awsenv"

// LambdaAWS and LambdaBlob are the Lambda platform's openers.
var (
	LambdaAWS  = awsenv.Config
	LambdaBlob = awsenv.Blob
)
