using FluentValidation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Teski.Application.Common.Behaviors;
using Teski.Application.Common.Mirroring;

namespace Teski.Application;

public static class DependencyInjection
{
    /// <summary>The mediator with its pipeline (validation first, then dual-write), validators and the mirror dispatcher.</summary>
    public static IServiceCollection AddApplicationServices(this IServiceCollection services)
    {
        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors = [typeof(ValidationBehavior<,>), typeof(DualWriteBehavior<,>)];
        });
        services.AddValidatorsFromAssembly(typeof(DependencyInjection).Assembly, ServiceLifetime.Singleton);
        services.AddScoped<WriteScope>();
        services.AddSingleton<MirrorDispatcher>();
        services.AddSingleton<V2RuleSettingsAccessor>();
        services.AddHostedService<MirrorBackgroundService>();
        return services;
    }
}
