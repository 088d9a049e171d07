using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Common.Stores;

namespace Teski.Application.Common.ShadowReads;

/// <summary>
/// While both stores are live (a dual-write stage), a fraction of the reads that have a registered
/// <see cref="IShadowProjection{TRequest,TResponse}"/> is answered again by the mirror store in the background and
/// compared (<see cref="ShadowReader"/>). The primary's answer is returned unchanged and at once.
/// </summary>
public sealed class ShadowReadBehavior<TMessage, TResponse>(
    IStoreRouter router,
    ShadowReadScope scope,
    ShadowReadSettings settings,
    ShadowReader reader,
    IServiceProvider services) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IRequest<TResponse>
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var response = await next(message, cancellationToken);
        if (scope.IsShadow)
        {
            return response;
        }
        var projection = services.GetService<IShadowProjection<TMessage, TResponse>>();
        if (projection is null)
        {
            return response;
        }
        var fraction = settings.FractionFor(router.Flags);
        if (fraction > 0 && (fraction >= 1 || Random.Shared.NextDouble() < fraction))
        {
            reader.Schedule(message, response, projection);
        }
        return response;
    }
}
