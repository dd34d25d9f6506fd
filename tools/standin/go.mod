module github.com/cloudfreedom/agents/tools/standin

go 1.23
