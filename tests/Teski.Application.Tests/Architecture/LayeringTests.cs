using System.Reflection;

namespace Teski.Application.Tests.Architecture;

/// <summary>Dependencies point inward only: Api → Infrastructure → Application → Domain.</summary>
public class LayeringTests
{
    private static IEnumerable<string> TeskiReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Teski.", StringComparison.Ordinal));

    [Fact]
    public void Application_references_only_the_domain()
    {
        TeskiReferences(typeof(DependencyInjection).Assembly).Should().BeEquivalentTo(["Teski.Domain"]);
    }

    [Fact]
    public void Infrastructure_references_only_application_and_domain()
    {
        TeskiReferences(typeof(Teski.Infrastructure.DependencyInjection).Assembly).Should().BeSubsetOf(["Teski.Application", "Teski.Domain"]);
    }

    [Fact]
    public void Application_does_not_depend_on_entity_framework_or_aspnetcore()
    {
        typeof(DependencyInjection).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Should().NotContain(n => n.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }
}
