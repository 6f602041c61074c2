using EdgeBci.Cli;

return EdgeBciCommand.Build().Parse(args).Invoke();
