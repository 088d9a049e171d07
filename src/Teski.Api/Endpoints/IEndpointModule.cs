namespace Teski.Api.Endpoints;

/// <summary>
/// A module's endpoints (<c>Endpoints/MemoryEndpoints.cs</c>, ...). Every non-abstract implementation in this
/// assembly with a parameterless constructor is mapped at startup, as is every instance registered in DI
/// (tests use that), so adding a module needs no edit elsewhere.
/// </summary>
public interface IEndpointModule
{
    void Map(IEndpointRouteBuilder app);
}
