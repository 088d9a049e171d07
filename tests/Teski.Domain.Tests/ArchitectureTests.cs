using Teski.Domain.Memory;

namespace Teski.Domain.Tests;

public class ArchitectureTests
{
    [Fact]
    public void The_domain_references_only_the_base_library_and_nodatime()
    {
        var references = typeof(MemoryItem).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        references.Should().Contain("NodaTime");
        references.Should().OnlyContain(
            name => name == "NodaTime" || name == "netstandard" || name == "System" || name.StartsWith("System."),
            "the domain is pure: no EF, no ASP.NET, no I/O libraries");
    }
}
