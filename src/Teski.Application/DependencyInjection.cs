using FluentValidation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Teski.Application.Common.Behaviors;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.ShadowReads;

namespace Teski.Application;

public static class DependencyInjection
{
    /// <summary>The mediator with its pipeline (validation first, then dual-write, then shadow reads), validators and the mirror dispatcher.</summary>
    public static IServiceCollection AddApplicationServices(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>), typeof(DualWriteBehavior<,>), typeof(ShadowReadBehavior<,>)];
        });
        services.AddValidatorsFromAssembly(typeof(DependencyInjection).Assembly, ServiceLifetime.Singleton);
        services.AddScoped<WriteScope>();
        services.AddSingleton<MirrorDispatcher>();
        services.AddSingleton<MirrorWakeup>();
        services.AddSingleton<V2RuleSettingsAccessor>();
        services.AddHostedService<MirrorBackgroundService>();
        services.TryAddSingleton(new MirrorRetention(MirrorRetention.DefaultKeep));
        services.AddScoped<ShadowReadScope>();
        services.AddSingleton<ShadowReader>();
        services.AddShadowProjections();
        // Off unless the host configures it (with the router that lets the mirror answer a shadow scope as primary).
        services.TryAddSingleton(new ShadowReadSettings(0));
        services.TryAddSingleton<IShadowReadMetrics, NoShadowReadMetrics>();
        return services;
    }
}
