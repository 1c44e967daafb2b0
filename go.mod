module github.com/weir-gateway/weir

go 1.26

require github.com/weir-gateway/weir/sdk v0.0.0

replace github.com/weir-gateway/weir/sdk => ./sdk
