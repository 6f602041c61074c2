namespace EdgeBci.Tests.Shared;
