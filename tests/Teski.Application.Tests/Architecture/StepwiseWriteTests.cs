using Mediator;
using Teski.Application.Common.Mirroring;

namespace Teski.Application.Tests.Architecture;

/// <summary>
/// An <see cref="IStepwiseWrite"/> runs without a transaction, so it must not record mirror facts (there is no outbox
/// write to commit them with; <see cref="WriteScope.Record"/> would refuse at run time). Facts are recorded only
/// through <see cref="WriteScope"/>, so a stepwise request's handler must not take one.
/// </summary>
public class StepwiseWriteTests
{
    private static IEnumerable<Type> StepwiseHandlers() =>
        typeof(DependencyInjection).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false })
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType
                && i.GetGenericTypeDefinition() == typeof(IRequestHandler<,>)
                && typeof(IStepwiseWrite).IsAssignableFrom(i.GetGenericArguments()[0])));

    [Fact]
    public void The_stepwise_requests_are_the_reads_that_create_a_user_on_first_use()
    {
        StepwiseHandlers().Select(t => t.Name).Should().BeEquivalentTo(["NextReviewsHandler", "GetStatsHandler"]);
    }

    [Fact]
    public void No_stepwise_handler_can_record_a_mirror_fact()
    {
        foreach (var handler in StepwiseHandlers())
        {
            handler.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType)
                .Should().NotContain(typeof(WriteScope), $"{handler.Name} handles an IStepwiseWrite, which runs without a transaction");
        }
    }
}
